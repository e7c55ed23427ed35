// `npm run bench`: performance figures, written to bench/results/*.json and never asserted in tests.
// `vkctl doctor --pre` wall time against a healthy emulated cluster (target < 2 s), the CLI's start
// side by side with kubectl (startup.ts: --version, --help, status), a 1,000-pod burst through the runtime (burst.ts; target: p99
// bind-to-Running at most 1 s), the interconnect proxy against direct connections (proxy.ts, three
// runs, the median one reported), and
// the runtime against upstream virtual-kubelet on the same control plane (side-by-side.ts). Runs the packaged CLI (dist/), as a user does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchMachine } from './machine.js';
import {
  sharedTestEnvironment,
  stopSharedTestEnvironment,
  vkctlEnvironment,
} from '../test/env/environment.js';
import { runVkctl } from '../test/env/run-cli.js';
import { benchBurst } from './burst.js';
import { benchProxyRuns } from './proxy.js';
import { benchSideBySide, sideBySideMarkdown } from './side-by-side.js';
import { sideBySideSizes } from './sizes.js';
import { benchStartup, startupMarkdown } from './startup.js';
import { summarize, type Series } from './stats.js';

async function time(
  runs: number,
  command: () => Promise<{ code: number | null; stderr: string }>,
): Promise<Series> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = await command();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.code !== 0)
      throw new Error(`benchmark command failed (exit ${result.code}): ${result.stderr}`);
  }
  return summarize(samples);
}

const env = await sharedTestEnvironment();
try {
  const settings = vkctlEnvironment(env);
  const doctorPre = await time(10, () => runVkctl(['doctor', '--pre', '--json'], { env: settings }));
  const startup = await benchStartup(env);
  const machine = benchMachine();
  const results = {
    date: new Date().toISOString(),
    machine,
    doctorPre: { ...doctorPre, targetMs: 2000, meetsTarget: doctorPre.p90Ms < 2000 },
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/doctor.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  writeFileSync(
    'bench/results/startup.json',
    `${JSON.stringify({ date: results.date, machine, ...startup }, null, 2)}\n`,
  );
  console.log(startupMarkdown(startup));
  const burst = await benchBurst(env);
  const burstResults = { date: results.date, machine, ...burst };
  writeFileSync('bench/results/burst.json', `${JSON.stringify(burstResults, null, 2)}\n`);
  console.log(JSON.stringify(burstResults, null, 2));
  console.log(
    `\nlone pod: bind-to-Running p50 ${burst.lonePod.medianMs} ms, p99 ${burst.lonePod.p99Ms} ms` +
      `\n${burst.pods}-pod burst: all Running after ${burst.allRunningMs} ms; bind-to-Running p50 ${burst.bindToRunning.medianMs} ms, p99 ${burst.bindToRunning.p99Ms} ms (target <= 1000 ms: ${burst.meetsTarget ? 'met' : 'NOT met'}); runtime peak RSS ${burst.runtimePeakRssMiB} MiB`,
  );
  const proxy = await benchProxyRuns(env);
  writeFileSync(
    'bench/results/proxy.json',
    `${JSON.stringify({ date: results.date, machine, ...proxy }, null, 2)}\n`,
  );
  console.log(
    `\nproxy/direct: round trip median x${proxy.ratios.roundTripMedian} (+${proxy.addedRoundTripUs} µs), new connection x${proxy.ratios.newConnectionMedian}, throughput x${proxy.ratios.throughput} (${proxy.proxied.throughputMiBps} vs ${proxy.direct.throughputMiBps} MiB/s); endpoint change followed in ${proxy.endpointFollowMs} ms (target <= 1000 ms: ${proxy.meetsEndpointFollowTarget ? 'met' : 'NOT met'})`,
  );
  const sideBySide = await benchSideBySide(env, sideBySideSizes());
  writeFileSync(
    'bench/results/side-by-side.json',
    `${JSON.stringify({ date: results.date, machine, ...sideBySide }, null, 2)}\n`,
  );
  console.log(`\n${sideBySideMarkdown(sideBySide)}\n`);
  console.log(
    `\ndoctor --pre: median ${doctorPre.medianMs} ms, p90 ${doctorPre.p90Ms} ms (target < 2000 ms: ${results.doctorPre.meetsTarget ? 'met' : 'NOT met'})` +
      `\n${startupMarkdown(startup)}`,
  );
} finally {
  await stopSharedTestEnvironment();
}
