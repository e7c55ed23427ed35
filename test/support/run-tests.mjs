// `npm test`: build, typecheck, lint, build (or reuse) the control plane, then run every mocha test
// under c8 coverage, and end with the runner's counts on the last line ("N passed, N failed, N skipped").
// Exits non-zero when any step fails, any test fails, or no test ran.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const countsDir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-test-'));
const countsFile = path.join(countsDir, 'counts.json');

function step(name, command, args, env = {}) {
  console.log(`\n> ${name}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

let failedStep;
for (const [name, command, args] of [
  ['build', 'npm', ['run', '--silent', 'build']],
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['lint', 'npm', ['run', '--silent', 'lint']],
  ['control plane', 'bash', ['test/env/build-control-plane.sh']],
]) {
  if (step(name, command, args) !== 0) {
    failedStep = name;
    break;
  }
}

let code = 1;
if (failedStep) {
  console.log(`\n${failedStep} failed; no tests were run`);
  console.log('0 passed, 1 failed');
} else {
  const testCode = step('tests', 'npx', ['c8', 'mocha', '--reporter', 'test/support/spec-with-counts.cjs'], {
    VKCTL_TEST_COUNTS: countsFile,
  });
  const counts = existsSync(countsFile) ? JSON.parse(readFileSync(countsFile, 'utf8')) : undefined;
  if (!counts) {
    console.log('\nmocha did not report its counts');
    console.log('0 passed, 1 failed');
  } else {
    code = testCode === 0 && counts.failed === 0 && counts.passed > 0 ? 0 : 1;
    console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}
rmSync(countsDir, { recursive: true, force: true });
process.exit(code);
