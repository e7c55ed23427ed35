// What the packaged CLI loads before it answers. Importing client-node costs status about 0.3 s and
// 60 MiB (bench/results/startup.json), and one stray import reached it once through kube/errors.ts
// without any test noticing; a module hook in the child process reports each client-node file it
// resolves. `npm test` builds dist/ first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = new URL('../../bin/run.js', import.meta.url).pathname;

// Registered with --import: prints LOADED <url> on stderr for every module under client-node.
const hook = `export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  if (found.url.includes('/@kubernetes/client-node/')) process._rawDebug('LOADED ' + found.url);
  return found;
}`;
const register = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;

// A cluster nobody listens on: status fails to connect, after choosing how to read.
const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`;

function runTraced(args: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-startup-'));
  try {
    writeFileSync(path.join(dir, 'kubeconfig'), kubeconfig);
    const importArg = `data:text/javascript,${encodeURIComponent(register)}`;
    return spawnSync(process.execPath, ['--import', importArg, bin, ...args], {
      encoding: 'utf8',
      timeout: 20_000,
      env: {
        ...process.env,
        KUBECONFIG: path.join(dir, 'kubeconfig'),
        VKCTL_CONFIG: '/dev/null',
        NO_COLOR: '1',
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('CLI start-up: what it loads', () => {
  it('status with a token kubeconfig reads over plain HTTPS and never loads client-node', () => {
    const result = runTraced(['status']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1/);
    assert.deepEqual(result.stderr.match(/^LOADED .*$/gm) ?? [], []);
  });

  it('the probe does see client-node where a command loads it (doctor)', () => {
    // Proof the probe works: doctor builds client-node's API clients, so it must show up here.
    const result = runTraced(['doctor']);
    assert.ok((result.stderr.match(/^LOADED .*$/gm) ?? []).length > 0, result.stderr.slice(0, 500));
  });
});
