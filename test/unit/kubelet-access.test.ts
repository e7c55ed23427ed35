// The kubelet API's reviews are cached as the kubelet caches them (issue 16): made-up tokens cost
// the apiserver one TokenReview each per 30 s, not one per request; a caller's right is asked once.
// And its TLS speaks no RSA key exchange and no CBC cipher.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import tls from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';
import { KubeletAccess, type AccessReviews, type Caller } from '../../src/provider/kubelet/access.js';
import { startWebhookServer } from '../../src/provider/webhook-server.js';

const request = (token: string, path = '/pods') =>
  ({
    socket: { authorized: false },
    headers: { authorization: `Bearer ${token}` },
    url: path,
    method: 'GET',
  }) as unknown as IncomingMessage;

describe('the kubelet API’s reviews', () => {
  it('asks once per made-up token, and once per caller and right, then answers from its cache', async () => {
    const asked = { tokens: 0, rights: 0 };
    const admin: Caller = { user: 'admin', groups: ['system:masters'] };
    const reviews: AccessReviews = {
      token(token) {
        asked.tokens += 1;
        return Promise.resolve(token === 'good' ? admin : undefined);
      },
      allowed(_caller, _verb, subresource) {
        asked.rights += 1;
        return Promise.resolve(subresource !== 'proxy');
      },
    };
    const access = new KubeletAccess(new KubeConfig(), 'vk', reviews);
    for (let i = 0; i < 2000; i++) {
      const decision = await access.check(request(`made-up-${i % 10}`));
      assert.equal(decision.allowed ? 200 : decision.status, 401);
    }
    assert.equal(asked.tokens, 10, '2,000 requests with 10 made-up tokens: 10 TokenReviews');
    for (let i = 0; i < 100; i++) {
      assert.equal((await access.check(request('good', '/stats/summary'))).allowed, true);
      const denied = await access.check(request('good', '/exec/ns/pod/c'));
      assert.equal(denied.allowed ? 200 : denied.status, 403);
    }
    assert.equal(asked.tokens, 11);
    assert.equal(asked.rights, 2, 'one SubjectAccessReview for stats, one for proxy');
  });

  it('speaks TLS 1.2 only with ECDHE and AEAD (no RSA key exchange, no CBC), or TLS 1.3', async () => {
    const ca = createCertificateAuthority('tls-suites-test');
    const pair = issueCertificate(ca, {
      commonName: 'localhost',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    // The webhook and the kubelet API take the same TLS_OPTIONS (listener-limits.ts).
    const server = await startWebhookServer({ cert: pair.certPem, key: pair.keyPem }, 0, '127.0.0.1');
    const handshake = (options: tls.ConnectionOptions) =>
      new Promise<string>((resolve) => {
        const socket = tls.connect(
          { host: '127.0.0.1', port: server.port, ca: ca.certPem, ...options },
          () => {
            resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
            socket.destroy();
          },
        );
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(`refused: ${e.code ?? e.message}`));
      });
    try {
      assert.match(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' }), /^refused/);
      assert.match(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }), /^refused/);
      assert.match(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' }), /^refused/);
      assert.match(await handshake({ maxVersion: 'TLSv1.1' }), /^refused/);
      assert.equal(await handshake({ maxVersion: 'TLSv1.2' }), 'TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256');
      assert.match(await handshake({}), /^TLSv1\.3 /);
    } finally {
      await server.stop();
    }
  });
});
