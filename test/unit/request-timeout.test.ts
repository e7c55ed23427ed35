// Never hangs: against a server that accepts connections and never answers, every command that
// talks to the cluster gives up after --request-timeout with one line and a non-zero exit
// (client-node itself sets no time limit). `npm test` builds dist/ first.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/run.js', ...args], {
      env: { ...process.env, NO_COLOR: '1', VKCTL_CONFIG: '/dev/null' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a cluster that never answers', function () {
  this.timeout(60_000);
  let server: net.Server;
  let kubeconfig = '';
  const sockets = new Set<net.Socket>();

  before(async () => {
    server = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'vkctl-silent-')), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });

  for (const command of [
    ['status'],
    ['history'],
    ['upgrade', '--no-wait'],
    ['rollback', '--no-wait'],
    ['uninstall', '--yes'],
    [
      'install',
      '--no-wait',
      '--skip-checks',
      '--region',
      'r',
      '--cluster-id',
      'c',
      '--project-id',
      'p',
      '--access-key',
      'a',
      '--secret-key',
      's',
    ],
  ]) {
    it(`vkctl ${command[0]} gives up after --request-timeout with one line`, async () => {
      const result = await run([...command, '--kubeconfig', kubeconfig, '--request-timeout', '1s']);
      assert.notEqual(result.code, 0);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /no answer from the Kubernetes API/);
    });
  }
});
