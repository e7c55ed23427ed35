// Every listener of the runtime caps what a caller can make it hold (issue 16): the webhook refuses
// an AdmissionReview over 3 MiB with 413 as it arrives, whether the size is declared or not, without
// reading the rest, and a caller that never finishes its headers is cut off.
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';
import { HEADERS_TIMEOUT_MS, MAX_ADMISSION_REVIEW_BYTES } from '../../src/provider/listener-limits.js';
import { startWebhookServer, type WebhookServer } from '../../src/provider/webhook-server.js';

describe('the runtime’s listeners: bodies capped, slow callers cut off', function () {
  this.timeout(HEADERS_TIMEOUT_MS + 20_000);
  const ca = createCertificateAuthority('listener-limits-test');
  const pair = issueCertificate(ca, { commonName: 'localhost', ipAddresses: ['127.0.0.1'], usage: 'server' });
  let webhook: WebhookServer;
  before(async () => {
    webhook = await startWebhookServer({ cert: pair.certPem, key: pair.keyPem }, 0, '127.0.0.1');
  });
  after(() => webhook.stop());

  /**
   * POSTs up to `size` bytes in 64 KiB chunks, declared or not, and stops sending as soon as the
   * server answers or closes: the status (0 for a close without one), and how much was sent by then.
   */
  const post = (size: number, declare: boolean) =>
    new Promise<{ status: number; sent: number }>((resolve) => {
      let sent = 0;
      let done = false;
      const finish = (status: number) => {
        if (done) return;
        done = true;
        resolve({ status, sent });
        req.destroy();
      };
      const req = https.request(
        {
          host: '127.0.0.1',
          port: webhook.port,
          method: 'POST',
          path: '/mutate-pods',
          ca: ca.certPem,
          headers: declare ? { 'Content-Length': String(size) } : {},
        },
        (res) => {
          res.resume();
          finish(res.statusCode ?? 0);
        },
      );
      req.on('error', () => finish(0));
      req.on('close', () => finish(0));
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!done && sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!done) req.end();
      };
      // A declared body waits for the answer to its headers, as a careful client would.
      if (declare) req.flushHeaders();
      else pump();
    });

  it('answers an ordinary AdmissionReview', async () => {
    const review = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'u1' },
    });
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: webhook.port, method: 'POST', path: '/mutate-pods', ca: ca.certPem },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(review);
    });
    assert.equal(status, 200);
  });

  it('refuses a declared 600 MB body at once, and an undeclared one once it passes 3 MiB', async () => {
    const declared = await post(600 * 1024 * 1024, true);
    assert.equal(declared.status, 413, 'refused on its headers');
    assert.equal(declared.sent, 0);
    const rssBefore = process.memoryUsage().rss;
    const streamed = await post(64 * 1024 * 1024, false);
    // 413 as the body passes 3 MiB; the connection is then closed, which may beat the answer.
    assert.ok([413, 0].includes(streamed.status), `status ${streamed.status}`);
    assert.ok(streamed.sent < 32 * 1024 * 1024, `stopped after ${streamed.sent} of 64 MiB`);
    assert.ok(
      process.memoryUsage().rss - rssBefore < 4 * MAX_ADMISSION_REVIEW_BYTES + 32 * 1024 * 1024,
      'nothing like the body was held',
    );
  });

  it('cuts off a caller that never finishes its headers', async () => {
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: webhook.port, ca: ca.certPem }, () => {
        socket.write('POST /mutate-pods HTTP/1.1\r\nHost: x\r\n');
      });
      socket.on('error', () => undefined);
      socket.resume(); // read what comes (the 408), so that the server's close is seen
      socket.on('close', () => resolve(Date.now() - started));
      setTimeout(() => reject(new Error('still open')), HEADERS_TIMEOUT_MS + 15_000).unref();
    });
    assert.ok(closedAfter <= HEADERS_TIMEOUT_MS + 3_000, `closed after ${closedAfter} ms`);
  });
});
