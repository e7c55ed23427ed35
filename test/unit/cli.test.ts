// The packaged entry point (bin/run.js over dist/) answers --help and --version, and refuses an
// unknown command with a one-line error and a non-zero exit. `npm test` builds dist/ first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function vkctl(...args: string[]) {
  return vkctlWith({}, ...args);
}

function vkctlWith(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/run.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('vkctl entry point', () => {
  it('prints usage with --help and exits 0', () => {
    const { code, stdout } = vkctl('--help');
    assert.equal(code, 0);
    assert.match(stdout, /USAGE\n\s+\$ vkctl \[COMMAND\]/);
  });

  it('prints the root help from the build exactly as oclif renders it, on this machine’s node', () => {
    const cached = vkctl('-h');
    const rendered = vkctlWith({ VKCTL_NO_HELP_CACHE: '1', COLUMNS: '80' }, '-h');
    assert.equal(cached.code, 0);
    assert.equal(cached.stdout, rendered.stdout);
    assert.ok(cached.stdout.includes(`node-${process.version}`));
  });

  it('prints the package version with --version and -v', () => {
    for (const flag of ['--version', '-v']) {
      const { code, stdout } = vkctl(flag);
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`^vkctl/${pkg.version.replaceAll('.', '\\.')} `));
    }
  });

  it('refuses an unknown command with one line on stderr and exit 2', () => {
    const { code, stdout, stderr } = vkctl('no-such-command');
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /command no-such-command not found/);
  });
});
