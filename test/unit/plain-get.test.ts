// status and history read over plain GETs (src/kube/plain-get.ts) only for kubeconfigs whose every
// setting that path understands; anything else goes to client-node. The GETs authenticate and check
// the server as client-node would: the CA (inline or a file relative to the kubeconfig), a client
// certificate, a bearer token; HTTP and connection errors come back in one line.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';
import { plainKube, PlainGetError } from '../../src/kube/plain-get.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-plain-get-'));
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Writes a kubeconfig with one context "x" (cluster c, user u), from JSON (valid YAML). */
function kubeconfig(name: string, cluster: object, user: object | undefined, extra: object = {}): string {
  const file = path.join(dir, name);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: user === undefined ? [] : [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
    ...extra,
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('plain GETs for status and history', () => {
  const server = 'https://127.0.0.1:6443';
  const plain = (cluster: object, user: object | undefined, extra?: object) =>
    plainKube({ kubeconfig: kubeconfig('k', cluster, user, extra) });

  it('take a kubeconfig with a CA, a token or a client certificate, and insecure-skip-tls-verify', () => {
    assert.ok(plain({ server, 'certificate-authority-data': b64('ca') }, { token: 't' }));
    assert.ok(plain({ server: `${server}/`, 'insecure-skip-tls-verify': true }, { token: 't' }));
    assert.ok(
      plain({ server, 'tls-server-name': 'api' }, { 'client-certificate-data': 'x', 'client-key-data': 'y' }),
    );
    assert.equal(plain({ server }, { token: 't' })?.server, server);
  });

  it('leave everything else to client-node', () => {
    const cases: [string, object, object | undefined, object?][] = [
      ['an exec plugin', { server }, { exec: { command: 'aws' } }],
      ['an auth provider', { server }, { 'auth-provider': { name: 'oidc' } }],
      ['a token file', { server }, { 'token-file': '/t' }],
      ['basic auth', { server }, { username: 'a', password: 'b' }],
      ['impersonation', { server }, { token: 't', as: 'someone' }],
      ['a proxy', { server, 'proxy-url': 'http://proxy:3128' }, { token: 't' }],
      ['plain http', { server: 'http://127.0.0.1:8080', 'insecure-skip-tls-verify': true }, { token: 't' }],
      ['no user', { server }, undefined],
      ['no current context', { server }, { token: 't' }, { 'current-context': undefined }],
      ['an unknown current context', { server }, { token: 't' }, { 'current-context': 'y' }],
      ['a cluster without a server', {}, { token: 't' }],
      ['a CA file that does not exist', { server, 'certificate-authority': 'missing.crt' }, { token: 't' }],
    ];
    for (const [what, cluster, user, extra] of cases)
      assert.equal(plain(cluster, user, extra), undefined, what);
    assert.equal(plainKube({ kubeconfig: path.join(dir, 'missing') }), undefined, 'a missing file');
    const bad = path.join(dir, 'bad');
    writeFileSync(bad, '{not: yaml: [');
    assert.equal(plainKube({ kubeconfig: bad }), undefined, 'a file that is not YAML');
    const good = kubeconfig('good', { server }, { token: 't' });
    assert.equal(plainKube({ kubeconfig: good, context: 'y' }), undefined, 'an unknown --context');
    const saved = process.env.KUBECONFIG;
    try {
      const other = kubeconfig('other', { server }, { token: 't' });
      process.env.KUBECONFIG = [good, other].join(path.delimiter);
      assert.equal(plainKube({}), undefined, 'several KUBECONFIG files');
      process.env.KUBECONFIG = [path.join(dir, 'missing'), good, good].join(path.delimiter);
      assert.ok(plainKube({}), 'one existing KUBECONFIG file, named twice, beside a missing one');
      process.env.KUBECONFIG = good;
      assert.ok(plainKube({}), 'one KUBECONFIG file');
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  describe('against a server', () => {
    const ca = createCertificateAuthority('plain-get-test-ca');
    const serving = issueCertificate(ca, { commonName: 'api', ipAddresses: ['127.0.0.1'], usage: 'server' });
    const client = issueCertificate(ca, { commonName: 'alice', usage: 'client' });
    const seen: { path?: string; authorization?: string; clientCert?: string }[] = [];
    let api: https.Server;
    let url = '';

    before(async () => {
      api = https.createServer(
        {
          cert: serving.certPem,
          key: serving.keyPem,
          ca: ca.certPem,
          requestCert: true,
          rejectUnauthorized: false,
        },
        (req, res) => {
          const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
          seen.push({
            path: req.url,
            authorization: req.headers.authorization,
            clientCert: Array.isArray(cn) ? cn[0] : cn,
          });
          res.setHeader('content-type', 'application/json');
          if (req.url?.startsWith('/api/v1/nodes/')) {
            res.statusCode = 404;
            res.end(JSON.stringify({ kind: 'Status', message: 'nodes "vk" not found', code: 404 }));
          } else res.end(JSON.stringify({ kind: 'SecretList', items: [{ metadata: { name: 's' } }] }));
        },
      );
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(api.address() as AddressInfo).port}`;
    });
    after(() => api.close());

    it('checks the server against the CA file, relative to the kubeconfig, and sends the token', async () => {
      writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
      const kube = plain({ server: url, 'certificate-authority': 'ca.crt' }, { token: 'secret' });
      assert.ok(kube);
      try {
        const list = await kube.get<{ items: unknown[] }>(
          '/api/v1/namespaces/ns/secrets?labelSelector=owner%3Dvkctl',
        );
        assert.equal(list.items.length, 1);
        assert.deepEqual(seen.at(-1), {
          path: '/api/v1/namespaces/ns/secrets?labelSelector=owner%3Dvkctl',
          authorization: 'Bearer secret',
          clientCert: undefined,
        });
      } finally {
        kube.close();
      }
    });

    it('presents the client certificate, reads as client-node does, and says why a GET failed', async () => {
      const file = kubeconfig(
        'certs',
        { server: url, 'certificate-authority-data': b64(ca.certPem) },
        { 'client-certificate-data': b64(client.certPem), 'client-key-data': b64(client.keyPem) },
      );
      const kube = plainKube({ kubeconfig: file });
      assert.ok(kube);
      try {
        await kube.get('/api/v1/namespaces/ns/secrets');
        assert.equal(seen.at(-1)?.clientCert, 'alice');
        await assert.rejects(
          kube.get('/api/v1/nodes/vk'),
          (error: unknown) =>
            error instanceof PlainGetError &&
            error.statusCode === 404 &&
            error.message === 'Kubernetes API: GET /api/v1/nodes/vk: 404 nodes "vk" not found',
        );
      } finally {
        kube.close();
      }
      // client-node, loading the same file, talks to the same server with the same settings.
      const kc = new KubeConfig();
      kc.loadFromFile(file);
      assert.equal(kc.getCurrentCluster()?.server, kube.server);
    });

    it('refuses a server its CA did not sign', async () => {
      const other = createCertificateAuthority('another-ca');
      const kube = plain({ server: url, 'certificate-authority-data': b64(other.certPem) }, { token: 't' });
      assert.ok(kube);
      try {
        await assert.rejects(
          kube.get('/api/v1/namespaces/ns/secrets'),
          /^Error: cannot reach the Kubernetes API/,
        );
      } finally {
        kube.close();
      }
    });
  });

  it('names the server it cannot reach, as the commands do for client-node', async () => {
    const kube = plain({ server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true }, { token: 't' });
    assert.ok(kube);
    await assert.rejects(
      kube.get('/api/v1/nodes/x'),
      /^Error: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/,
    );
    kube.close();
  });
});
