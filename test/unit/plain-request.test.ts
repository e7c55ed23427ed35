// The runtime's plain API writes (src/kube/plain-request.ts) against a local HTTP server: what is
// sent (method, the server URL's own path before the API path, headers, body), a 2xx taken without
// its answer, an error with the apiserver's code and body, and the time limit on a silent server.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeRequestError, sendPlain } from '../../src/kube/plain-request.js';
import { isRequestTimeout, withRequestTimeout } from '../../src/kube/request-timeout.js';
import { localKubeConfig } from '../support/local-kubeconfig.js';

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

/** Timers alive now: a request's time limit must not outlive its request. */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

async function serve(handler: Handler, serverPath = '', host = '127.0.0.1') {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const kc = localKubeConfig(`http://${urlHost}:${port}${serverPath}`);
  return {
    kc,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const patch = {
  method: 'PATCH' as const,
  path: '/api/v1/namespaces/a/pods/p/status',
  body: { metadata: { uid: 'u1' }, status: { phase: 'Running' } },
  contentType: 'application/merge-patch+json',
};

/** Sends `patch` with a 300 ms limit, expects a timeout; resolves with how long that took. */
async function timedOutAfter(kc: KubeConfig): Promise<number> {
  const started = Date.now();
  await assert.rejects(sendPlain(withRequestTimeout(kc, 300), patch), (error: unknown) => {
    assert.ok(isRequestTimeout(error), `not a timeout: ${String(error)}`);
    assert.match((error as Error).message, /no answer within 300 ms/);
    return true;
  });
  return Date.now() - started;
}

describe('plain API writes', function () {
  // Each case ends in well under a second; a time limit that failed would otherwise hang to mocha's.
  this.timeout(5_000);

  it('sends the method, the path after the server’s own, the credentials and the JSON body', async () => {
    let seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string } | undefined;
    const { kc, close } = await serve((req, body, res) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body };
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"Pod"}');
    }, '/prefix/');
    try {
      const before = timers();
      await sendPlain(kc, patch);
      assert.equal(timers(), before, 'the time limit’s timer outlived the request');
      assert.equal(seen?.method, 'PATCH');
      assert.equal(seen?.url, '/prefix/api/v1/namespaces/a/pods/p/status');
      assert.equal(seen?.headers.authorization, 'Bearer secret-token');
      assert.equal(seen?.headers['content-type'], 'application/merge-patch+json');
      assert.deepEqual(JSON.parse(seen?.body ?? ''), patch.body);
    } finally {
      await close();
    }
  });

  it('rejects a refusal with the apiserver’s code and its body', async () => {
    const status = { kind: 'Status', code: 409, reason: 'Conflict', message: 'uid precondition failed' };
    const { kc, close } = await serve((_req, _body, res) => {
      res.writeHead(409, { 'Content-Type': 'application/json' }).end(JSON.stringify(status));
    });
    try {
      const before = timers();
      await assert.rejects(sendPlain(kc, patch), (error: unknown) => {
        assert.ok(error instanceof KubeRequestError);
        assert.equal(error.code, 409);
        assert.deepEqual(JSON.parse(error.body), status);
        assert.match(error.message, /PATCH \/api\/v1\/namespaces\/a\/pods\/p\/status: HTTP 409/);
        return true;
      });
      assert.equal(timers(), before, 'the time limit’s timer outlived the refusal');
    } finally {
      await close();
    }
  });

  it('gives up on a server that never answers after the time limit, as a timeout', async () => {
    const { kc, close } = await serve(() => undefined); // reads the request, never answers
    try {
      const took = await timedOutAfter(kc);
      assert.ok(took >= 250 && took < 5000, `took ${took} ms`);
    } finally {
      await close();
    }
  });

  it('gives up on an answer still trickling in at the time limit: the limit is on the whole request', async () => {
    const trickles: NodeJS.Timeout[] = [];
    const { kc, close } = await serve((_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      // A byte every 50 ms: never idle long, never done.
      trickles.push(setInterval(() => res.write(' '), 50));
    });
    try {
      const took = await timedOutAfter(kc);
      assert.ok(took < 1500, `took ${took} ms: the limit was not on the whole request`);
    } finally {
      for (const trickle of trickles) clearInterval(trickle);
      await close();
    }
  });

  it('reaches a server at an IPv6 address, and one whose URL has no path', async () => {
    let url: string | undefined;
    const { kc, close } = await serve(
      (req, _body, res) => {
        url = req.url;
        res.writeHead(201).end();
      },
      '',
      '::1',
    ).catch((error: unknown) => {
      throw new Error(`this machine has no IPv6 loopback: ${String(error)}`);
    });
    try {
      await sendPlain(kc, { ...patch, method: 'POST', path: '/api/v1/namespaces/a/events' });
      assert.equal(url, '/api/v1/namespaces/a/events');
    } finally {
      await close();
    }
  });
});
