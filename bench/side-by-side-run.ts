// The side-by-side bench alone, without the rest of `npm run bench`: starts the test environment,
// runs the bursts and writes the result to BENCH_OUT (default bench/results/side-by-side.json).
// BENCH_SIZES picks the sizes ("100,1000"; default 100, 1,000 and 5,000) and BENCH_RUNTIMES the
// runtimes (parts of their labels, separated by semicolons: 'in-memory CCI;tuned'); BENCH_WARMUP
// puts each runtime through a burst of that many pods first, unmeasured, and BENCH_NODE_ARGS adds
// Node options to ours (to try a V8 flag side by side), BENCH_EMULATOR_NODE_ARGS to the emulator's
// process (to profile it: "--cpu-prof --cpu-prof-dir=DIR"). The runtime through the emulator is the
// image's program, bundled from the source when the bench starts:
//   BENCH_SIZES=100 BENCH_OUT=/tmp/side-by-side.json npx tsx bench/side-by-side-run.ts
// BENCH_COMPARE_TREE=DIR runs another checkout's runtimes (its dist/bench/ bundles, from a bench run
// there) right after ours, to measure a change against the commit before it under the same load
// (the results name the tree and its commit, `compared`); a part of BENCH_RUNTIMES that is a whole
// label picks that runtime alone:
//   BENCH_COMPARE_TREE=/tmp/base BENCH_RUNTIMES='vkctl, CCI emulator;vkctl, CCI emulator, compared tree' ...
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchMachine } from './machine.js';
import path from 'node:path';
import { sharedTestEnvironment, stopSharedTestEnvironment } from '../test/env/environment.js';
import { benchSideBySide, sideBySideMarkdown } from './side-by-side.js';
import { comparedTree } from './runtimes.js';
import { sideBySideSizes } from './sizes.js';

const out = process.env.BENCH_OUT ?? 'bench/results/side-by-side.json';
const env = await sharedTestEnvironment();
try {
  const machine = benchMachine();
  const result = await benchSideBySide(env, sideBySideSizes());
  const compared = comparedTree();
  const record = { date: new Date().toISOString(), machine, ...(compared ? { compared } : {}), ...result };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`\n${sideBySideMarkdown(result)}\n\n(written to ${out})`);
} finally {
  await stopSharedTestEnvironment();
}
