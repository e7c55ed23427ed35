// `npm run bench`: performance figures, written to bench/results/*.json and never asserted in tests.
// Now: `vkctl doctor --pre` wall time against a healthy emulated cluster (target < 2 s), and the
// CLI's cold start (`vkctl --help`). Runs the packaged CLI (dist/), as a user does.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import {
  sharedTestEnvironment,
  stopSharedTestEnvironment,
  vkctlEnvironment,
} from '../test/env/environment.js';
import { runVkctl } from '../test/env/run-cli.js';

interface Series {
  runs: number;
  minMs: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
}

function summarize(samples: number[]): Series {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const round = (n: number) => Math.round(n);
  return {
    runs: sorted.length,
    minMs: round(sorted[0] ?? NaN),
    medianMs: round(at(0.5)),
    p90Ms: round(at(0.9)),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
  };
}

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
  const helpColdStart = await time(10, () => runVkctl(['--help']));
  const machine = {
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
  };
  const results = {
    date: new Date().toISOString(),
    machine,
    doctorPre: { ...doctorPre, targetMs: 2000, meetsTarget: doctorPre.p90Ms < 2000 },
    helpColdStart,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/doctor.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  console.log(
    `\ndoctor --pre: median ${doctorPre.medianMs} ms, p90 ${doctorPre.p90Ms} ms (target < 2000 ms: ${results.doctorPre.meetsTarget ? 'met' : 'NOT met'})` +
      `\nvkctl --help cold start: median ${helpColdStart.medianMs} ms`,
  );
} finally {
  await stopSharedTestEnvironment();
}
