// The proxy part of `npm run bench` alone: `npx tsx bench/proxy-run.ts`, written to
// bench/results/proxy.json or to BENCH_OUT. Under `taskset -c 0` the bench, the proxy and the
// control plane share one core: the proxy's added round trip without cross-core wake-ups
// (docs/benchmarks.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sharedTestEnvironment, stopSharedTestEnvironment } from '../test/env/environment.js';
import { benchMachine } from './machine.js';
import { benchProxyRuns } from './proxy.js';

const out = process.env.BENCH_OUT ?? 'bench/results/proxy.json';
const env = await sharedTestEnvironment();
try {
  const proxy = await benchProxyRuns(env);
  // machine.cpusAllowed says whether it ran under taskset.
  const results = { date: new Date().toISOString(), machine: benchMachine(), ...proxy };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `proxy/direct round trip: ${proxy.runs.map((r) => `×${r.ratios.roundTripMedian} (+${r.addedRoundTripUs} µs)`).join(', ')}; median run written to ${out}`,
  );
} finally {
  await stopSharedTestEnvironment();
}
