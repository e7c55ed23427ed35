// `npm run chaos`: the chaos scenarios at full size against the test environment, with a
// seed to repeat a run (CHAOS_SEED; CHAOS_CYCLES sets the runtime and install kill counts, default
// 20 and 5; CHAOS_FAULT_SECONDS the CCI fault window, default 30). Prints cycles run, faults
// injected and invariant violations, and exits 1 on any violation.
import { sharedTestEnvironment, stopSharedTestEnvironment } from '../env/environment.js';
import {
  apiserverRestarts,
  cciFaultWindow,
  installKills,
  runtimeKills,
  seededRandom,
  type ChaosReport,
} from './scenarios.js';

const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const cycles = Number(process.env.CHAOS_CYCLES ?? 20);
const faultSeconds = Number(process.env.CHAOS_FAULT_SECONDS ?? 30);
const random = seededRandom(seed);
const env = await sharedTestEnvironment();
const reports: ChaosReport[] = [];
try {
  console.log(`chaos: seed ${seed}`);
  reports.push(await runtimeKills(env, random, cycles));
  reports.push(await apiserverRestarts(env, random, Math.max(1, Math.round(cycles / 4))));
  reports.push(await cciFaultWindow(env, random, faultSeconds));
  reports.push(await installKills(env, random, Math.max(1, Math.round(cycles / 4))));
} finally {
  await stopSharedTestEnvironment();
}
for (const r of reports) {
  console.log(
    `${r.scenario}: ${r.cycles} cycles, ${r.faults} faults injected, ${r.violations.length} invariant violations`,
  );
  for (const v of r.violations) console.log(`  violation: ${v}`);
}
const total = (pick: (r: ChaosReport) => number) => reports.reduce((sum, r) => sum + pick(r), 0);
const violations = total((r) => r.violations.length);
console.log(
  `chaos: ${total((r) => r.cycles)} cycles, ${total((r) => r.faults)} faults injected, ${violations} invariant violations (seed ${seed})`,
);
process.exitCode = violations > 0 ? 1 : 0;
