// Starts the test environment (control plane + Huawei Cloud emulator) and keeps it running until
// interrupted, writing a shell file with the settings vkctl needs to talk to it:
//   npx tsx test/env/serve.ts [ENV_FILE]   then   . ENV_FILE && ./bin/run.js doctor --pre
// A script only: tests import environment.ts, never this file (it uses top-level await).
import { writeFileSync } from 'node:fs';
import { sharedTestEnvironment, stopSharedTestEnvironment, vkctlEnvironment } from './environment.js';

const file = process.argv[2] ?? 'vkctl-test.env';
const env = await sharedTestEnvironment();
const vars = vkctlEnvironment(env);
writeFileSync(
  file,
  Object.entries(vars)
    .map(([k, v]) => `export ${k}='${v}'\n`)
    .join(''),
  { mode: 0o600 },
);
console.log(`test environment running; settings in ${file} (source it). Ctrl-C stops it.`);
const stop = () => void stopSharedTestEnvironment().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
