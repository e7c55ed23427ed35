// What the packaged CLI loads before it answers. Importing client-node costs status about 0.3 s and
// 60 MiB (bench/results/startup.json), and one stray import reached it once through kube/errors.ts
// without any test noticing; a module hook in the child process reports each client-node file it
// resolves. status and history run their whole path against a local HTTPS stand-in for the
// apiserver that holds an installed release, so an import made only after a successful read is seen
// too. `npm test` builds dist/ first.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { releaseSecret } from '../../src/addon/release-store.js';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';
import { DEFAULT_NODE_NAME, PROVIDER_DEPLOYMENT, RELEASE_OWNER_SELECTOR } from '../../src/shared/names.js';

const bin = new URL('../../bin/run.js', import.meta.url).pathname;

// Registered with --import: prints LOADED <url> on stderr for every module under client-node.
const hook = `export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  if (found.url.includes('/@kubernetes/client-node/')) process._rawDebug('LOADED ' + found.url);
  return found;
}`;
const register = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;

const namespace = 'vkctl-system';
const record = { revision: 1, version: '0.2.0', status: 'deployed' as const, values: {}, objects: [] };
const ready = { type: 'Ready', status: 'True' };
/** What the stand-in answers: an installed release, its runtime rolled out, its node Ready. */
const answers: Record<string, unknown> = {
  [`/api/v1/namespaces/${namespace}/secrets?labelSelector=${encodeURIComponent(RELEASE_OWNER_SELECTOR)}`]: {
    kind: 'SecretList',
    items: [releaseSecret(record, namespace)], // stored as install stores it
  },
  [`/apis/apps/v1/namespaces/${namespace}/deployments/${PROVIDER_DEPLOYMENT}`]: {
    metadata: { name: PROVIDER_DEPLOYMENT, generation: 1 },
    spec: { replicas: 1 },
    status: {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    },
  },
  [`/api/v1/nodes/${DEFAULT_NODE_NAME}`]: {
    metadata: { name: DEFAULT_NODE_NAME },
    status: { conditions: [ready] },
  },
};

interface Traced {
  code: number | null;
  stdout: string;
  stderr: string;
  loaded: string[];
}

function runTraced(args: string[], kubeconfig: string): Promise<Traced> {
  const importArg = `data:text/javascript,${encodeURIComponent(register)}`;
  const child = spawn(process.execPath, ['--import', importArg, bin, ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfig, VKCTL_CONFIG: '/dev/null', NO_COLOR: '1' },
    timeout: 20_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, loaded: stderr.match(/^LOADED .*$/gm) ?? [] }),
    ),
  );
}

describe('CLI start-up: what it loads', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-startup-'));
  const ca = createCertificateAuthority('startup-test-ca');
  const serving = issueCertificate(ca, {
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  const requested: string[] = [];
  const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    requested.push(req.url ?? '');
    const answer = answers[req.url ?? ''];
    res.writeHead(answer ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify(answer ?? { kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' }),
    );
  });
  const kubeconfigFor = (server: string) => {
    const file = path.join(dir, `kubeconfig-${requested.length}-${Date.now()}`);
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: { server, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') },
        },
      ],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace } }],
      'current-context': 'c',
    };
    writeFileSync(file, JSON.stringify(config));
    return file;
  };
  let kubeconfig = '';

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kubeconfig = kubeconfigFor(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('status reads an installed release over plain HTTPS, all of it, and never loads client-node', async () => {
    requested.length = 0;
    const result = await runTraced(['status', '-n', namespace], kubeconfig);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /deployed/);
    assert.deepEqual(result.loaded, []);
    // The release, the runtime's Deployment and the node were all read: the whole path ran.
    assert.ok(
      requested.some((u) => u.includes('/secrets?')),
      requested.join('\n'),
    );
    assert.ok(
      requested.some((u) => u.includes(`/deployments/${PROVIDER_DEPLOYMENT}`)),
      requested.join('\n'),
    );
    assert.ok(
      requested.some((u) => u.includes(`/nodes/${DEFAULT_NODE_NAME}`)),
      requested.join('\n'),
    );
  });

  it('history reads the same way without client-node', async () => {
    const result = await runTraced(['history', '-n', namespace], kubeconfig);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\s*1\s/m);
    assert.deepEqual(result.loaded, []);
  });

  it('the probe does see client-node where a command loads it (doctor)', async () => {
    const result = await runTraced(['doctor', '-n', namespace], kubeconfig);
    assert.ok(result.loaded.length > 0, result.stderr.slice(0, 500));
  });
});
