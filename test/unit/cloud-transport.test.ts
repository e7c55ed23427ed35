// CloudClient over node:http (src/cloud/transport.ts) against a local server: what is sent (signed
// headers, the body, the project), a JSON answer read back, the time limit over the whole answer (a
// server that trickles its body), an unreachable service named by its socket's code, one kept-alive
// connection for a run of requests, and a stream (a watch): its refusal read as the service's error,
// its headers within the time limit, ended by its signal or by silence on it.
import assert from 'node:assert/strict';
import http from 'node:http';
import { CloudApiError, CloudClient, CloudUnreachableError } from '../../src/cloud/http.js';
import { serve } from '../support/local-http-server.js';
import { untilError } from '../support/until-error.js';

const credentials = { accessKey: 'AK', secretKey: 'SK' };
/** Timers alive now: a request's time limit must not outlive its request. */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('CloudClient over node:http', function () {
  // Each case ends in well under a second; a time limit that failed would otherwise hang to mocha's.
  this.timeout(5_000);

  it('sends the signed request with its body and project, and reads the JSON answer', async () => {
    let seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string } | undefined;
    const server = await serve((req, body, res) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body };
      res
        .writeHead(201, { 'Content-Type': 'application/json' })
        .end('{"kind":"Pod","metadata":{"name":"p"}}');
    });
    try {
      const client = new CloudClient('cci', server.endpoint, credentials);
      const before = timers();
      const answer = await client.request<{ kind: string }>({
        method: 'POST',
        path: '/api/v1/namespaces/ns/pods',
        query: { dryRun: 'All' },
        body: { kind: 'Pod' },
        projectId: 'p1',
      });
      assert.equal(timers(), before, 'the time limit’s timer outlived the request');
      assert.deepEqual(answer, { kind: 'Pod', metadata: { name: 'p' } });
      assert.equal(seen?.method, 'POST');
      assert.equal(seen?.url, '/api/v1/namespaces/ns/pods?dryRun=All');
      assert.deepEqual(JSON.parse(seen?.body ?? ''), { kind: 'Pod' });
      assert.equal(seen?.headers['x-project-id'], 'p1');
      assert.equal(seen?.headers['content-type'], 'application/json');
      assert.match(String(seen?.headers['x-sdk-date']), /^\d{8}T\d{6}Z$/);
      assert.match(seen?.headers.authorization ?? '', /^SDK-HMAC-SHA256 Access=AK, SignedHeaders=[^,]*host/);
    } finally {
      await server.close();
    }
  });

  it('gives up on a server that trickles its answer once the time limit is past', async () => {
    const server = await serve((_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"items":[');
      const tick = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(tick));
    });
    try {
      const client = new CloudClient('cci', server.endpoint, credentials, 300);
      const started = Date.now();
      await assert.rejects(client.request({ path: '/api/v1/namespaces' }), (error: unknown) => {
        assert.ok(error instanceof CloudUnreachableError, String(error));
        assert.match(
          error.message,
          /^CCI at http:\/\/127\.0\.0\.1:\d+ is unreachable: no answer within 0\.3 s$/,
        );
        return true;
      });
      assert.ok(Date.now() - started < 2_000, 'the limit did not cover the body');
    } finally {
      await server.close();
    }
  });

  it('names an unreachable service by its socket’s code', async () => {
    const server = await serve(() => undefined);
    await server.close();
    const client = new CloudClient('iam', server.endpoint, credentials);
    await assert.rejects(
      client.request({ path: '/v3/auth/tokens' }),
      /^Error: IAM at .* is unreachable: ECONNREFUSED$/,
    );
  });

  it('sends a run of requests on one kept-alive connection', async () => {
    const server = await serve((_req, _body, res) => res.writeHead(200).end('{}'));
    try {
      const client = new CloudClient('vpc', server.endpoint, credentials);
      for (let i = 0; i < 5; i++) await client.request({ path: '/v1/p1/subnets' });
      assert.equal(server.connections(), 1);
    } finally {
      await server.close();
    }
  });

  it('streams a watch line by line until its signal aborts', async () => {
    const server = await serve((_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED"}\n{"type":"MOD');
      setTimeout(() => res.write('IFIED"}\n'), 20);
    });
    try {
      const client = new CloudClient('cci', server.endpoint, credentials);
      const abort = new AbortController();
      const lines: string[] = [];
      await assert.rejects(async () => {
        for await (const line of client.lines({ path: '/api/v1/namespaces/ns/pods' }, abort.signal)) {
          lines.push(line);
          if (lines.length === 2) abort.abort();
        }
      }, /abort/i);
      assert.deepEqual(lines, ['{"type":"ADDED"}', '{"type":"MODIFIED"}']);
    } finally {
      await server.close();
    }
  });

  it('reads a stream’s refusal as the service’s error, and gives up on one whose headers never come', async () => {
    const server = await serve((req, _body, res) => {
      if (req.url?.startsWith('/silent')) return; // never answers
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          code: 404,
          reason: 'NotFound',
          message: 'namespaces "x" not found',
        }),
      );
    });
    try {
      const client = new CloudClient('cci', server.endpoint, credentials, 300);
      const never = new AbortController();
      await assert.rejects(
        client.stream({ path: '/api/v1/namespaces/x/pods' }, never.signal),
        (error: unknown) => {
          assert.ok(error instanceof CloudApiError, String(error));
          assert.equal(error.status, 404);
          assert.match(error.message, /namespaces "x" not found/);
          return true;
        },
      );
      await assert.rejects(
        client.stream({ path: '/silent' }, never.signal),
        /^Error: CCI at .* is unreachable: no answer within 0\.3 s$/,
      );
    } finally {
      await server.close();
    }
  });

  it('ends a watch that has been silent for its idle limit', async () => {
    const server = await serve((_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED"}\n'); // then nothing, as on a connection that died
    });
    try {
      const client = new CloudClient('cci', server.endpoint, credentials);
      const watch = client.lines({ path: '/api/v1/namespaces/ns/pods' }, new AbortController().signal, 200);
      const { items, error } = await untilError(watch);
      assert.match(String(error), /^Error: nothing received for 0\.2 s$/);
      assert.deepEqual(items, ['{"type":"ADDED"}']);
    } finally {
      await server.close();
    }
  });
});
