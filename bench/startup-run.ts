// `npm run bench:startup`: only the CLI start-up figures (bench/startup.ts), into
// bench/results/startup.json; `npm run bench` includes them too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchMachine } from './machine.js';
import { sharedTestEnvironment, stopSharedTestEnvironment } from '../test/env/environment.js';
import { benchStartup, startupMarkdown } from './startup.js';

const env = await sharedTestEnvironment();
try {
  const startup = await benchStartup(env);
  const machine = benchMachine();
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/startup.json',
    `${JSON.stringify({ date: new Date().toISOString(), machine, ...startup }, null, 2)}\n`,
  );
  console.log(startupMarkdown(startup));
} finally {
  await stopSharedTestEnvironment();
}
