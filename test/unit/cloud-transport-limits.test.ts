// What bounds a Huawei Cloud request (src/cloud/transport.ts) besides its time limit: the size of an
// answer and of a watch's line; an idempotent request on a stale kept-alive connection sent once
// more, and only once; a stream's error answer read for its message within the time limit even when
// its body stalls; and a stream ended by its caller reported as the abort it is, not as unreachable.
import assert from 'node:assert/strict';
import { CloudApiError, CloudClient } from '../../src/cloud/http.js';
import { sendRequest, WireError } from '../../src/cloud/transport.js';
import { serve } from '../support/local-http-server.js';
import { untilError } from '../support/until-error.js';

const credentials = { accessKey: 'AK', secretKey: 'SK' };

describe('Huawei Cloud requests: their bounds', function () {
  this.timeout(5_000);

  it('refuses an answer larger than its cap, and reads one within it', async () => {
    const server = await serve((req, _body, res) =>
      res.writeHead(200).end('x'.repeat(req.url === '/big' ? 4096 : 1024)),
    );
    try {
      const request = (path: string) => ({ url: new URL(path, server.endpoint), method: 'GET', headers: {} });
      assert.equal((await sendRequest(request('/small'), 1_000, 1024)).text.length, 1024);
      await assert.rejects(sendRequest(request('/big'), 1_000, 1024), (error: unknown) => {
        assert.ok(error instanceof WireError, String(error));
        assert.equal(error.message, 'an answer larger than 1024 bytes');
        return true;
      });
    } finally {
      await server.close();
    }
  });

  it('sends a GET once more on a new connection when a kept-alive one was closed under it, not a POST', async () => {
    let requests = 0;
    const server = await serve((req, _body, res) => {
      requests++;
      // The second request on a connection finds it closed, as when a server drops an idle one.
      const onThisSocket = ((req.socket as { served?: number }).served ?? 0) + 1;
      (req.socket as { served?: number }).served = onThisSocket;
      if (onThisSocket > 1) req.socket.destroy();
      else res.writeHead(200).end('{"n":' + requests + '}');
    });
    try {
      const client = new CloudClient('cci', server.endpoint, credentials);
      assert.deepEqual(await client.request({ path: '/a' }), { n: 1 });
      assert.deepEqual(await client.request({ path: '/b' }), { n: 3 });
      assert.equal(requests, 3);
      assert.equal(server.connections(), 2);
      // Not a POST: the server may have acted on it before the connection went.
      await assert.rejects(
        client.request({ method: 'POST', path: '/c', body: {} }),
        /^Error: CCI at .* is unreachable: ECONNRESET$/,
      );
      assert.equal(requests, 4, 'the POST was sent once');
    } finally {
      await server.close();
    }
  });

  it('sends once more only once: a fresh connection that fails too fails the request', async () => {
    let requests = 0;
    const server = await serve((req, _body, res) => {
      requests++;
      if (requests > 1) req.socket.destroy();
      else res.writeHead(200).end('{}');
    });
    try {
      const client = new CloudClient('cci', server.endpoint, credentials);
      await client.request({ path: '/a' });
      await assert.rejects(client.request({ path: '/b' }), /^Error: CCI at .* is unreachable: ECONNRESET$/);
      assert.equal(requests, 3);
    } finally {
      await server.close();
    }
  });

  it('ends a watch whose line grows past 8 Mi characters without a newline', async () => {
    const server = await serve((_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED"}\n');
      res.write('x'.repeat(9 * 1024 * 1024)); // one "event" that never ends
    });
    try {
      const client = new CloudClient('cci', server.endpoint, credentials);
      const watch = client.lines({ path: '/api/v1/namespaces/ns/pods' }, new AbortController().signal);
      const { items, error } = await untilError(watch);
      assert.match(String(error), /^Error: CCI at .* sent a line longer than 8388608 characters$/);
      assert.deepEqual(items, ['{"type":"ADDED"}']);
    } finally {
      await server.close();
    }
  });

  it('reads a stream’s error answer within the time limit when its body never ends', async () => {
    const server = await serve((_req, _body, res) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.write('{"message":'); // and nothing more
    });
    try {
      const client = new CloudClient('cci', server.endpoint, credentials, 300);
      const started = Date.now();
      await assert.rejects(
        client.stream({ path: '/api/v1/namespaces/ns/pods/p/log' }, new AbortController().signal),
        (error: unknown) => {
          assert.ok(error instanceof CloudApiError, String(error));
          assert.equal(error.status, 500);
          return true;
        },
      );
      assert.ok(Date.now() - started < 2_000, 'the error answer was read past the time limit');
    } finally {
      await server.close();
    }
  });

  it('reports a stream its caller ended before the headers as the abort, not as unreachable', async () => {
    const server = await serve(() => undefined); // never answers
    try {
      const client = new CloudClient('cci', server.endpoint, credentials, 2_000);
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 50);
      await assert.rejects(client.stream({ path: '/api/v1/namespaces/ns/pods' }, abort.signal), {
        name: 'AbortError',
      });
    } finally {
      await server.close();
    }
  });
});
