// The informers' watch (src/kube/watch-stream.ts) against a local HTTP server: events split across
// and packed into chunks, the query client-node's ListWatch sends, HTTP errors with the status its
// ListWatch reads, one done() however the stream ends, and a time limit on a silent server.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { withRequestTimeout } from '../../src/kube/request-timeout.js';
import { watchStream, WatchError } from '../../src/kube/watch-stream.js';
import { localKubeConfig } from '../support/local-kubeconfig.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler): Promise<{ kc: KubeConfig; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kc = localKubeConfig(`http://127.0.0.1:${port}`);
  return {
    kc,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs a watch until done; resolves with the events and what done() was called with (once). */
function collect(kc: KubeConfig, query: Record<string, string | undefined> = {}) {
  const events: { type: string; name: unknown }[] = [];
  let doneCalls = 0;
  const finished = new Promise<unknown>((resolve, reject) => {
    watchStream(
      kc,
      '/api/v1/pods',
      query,
      (type, object) =>
        events.push({ type, name: (object as { metadata?: { name?: string } }).metadata?.name }),
      (error) => {
        doneCalls += 1;
        resolve(error);
      },
    ).catch(reject);
  });
  return { events, finished, doneCalls: () => doneCalls };
}

const line = (type: string, name: string) => `${JSON.stringify({ type, object: { metadata: { name } } })}\n`;

describe('the informers’ watch stream', () => {
  it('delivers each event once, however the body is cut into chunks, then ends with done(null)', async () => {
    let seen: http.IncomingMessage | undefined;
    const { kc, close } = await serve((req, res) => {
      seen = req;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const body = Buffer.from(
        line('ADDED', 'a') + line('MODIFIED', 'bü') + 'not json\n' + line('DELETED', 'c'),
      );
      // Cut mid-event and inside the two bytes of "ü"; two events in one chunk; the last without
      // its newline.
      const cuts = [7, body.indexOf(Buffer.from('ü')) + 1, body.length - 20, body.length - 1];
      let from = 0;
      for (const to of cuts) {
        res.write(body.subarray(from, to));
        from = to;
      }
      res.end();
    });
    try {
      const watch = collect(kc, {
        resourceVersion: '42',
        fieldSelector: 'spec.nodeName=n',
        labelSelector: undefined,
      });
      assert.equal(await watch.finished, null);
      assert.deepEqual(watch.events, [
        { type: 'ADDED', name: 'a' },
        { type: 'MODIFIED', name: 'bü' },
        { type: 'DELETED', name: 'c' },
      ]);
      const url = new URL(seen?.url ?? '', 'http://x');
      assert.equal(url.pathname, '/api/v1/pods');
      assert.equal(url.searchParams.get('watch'), 'true');
      assert.equal(url.searchParams.get('resourceVersion'), '42');
      assert.equal(url.searchParams.get('fieldSelector'), 'spec.nodeName=n');
      assert.equal(url.searchParams.has('labelSelector'), false, 'undefined parameters are left out');
      const timeout = Number(url.searchParams.get('timeoutSeconds'));
      assert.ok(timeout >= 300 && timeout < 600, `a server-side timeout of 5-10 minutes, not ${timeout}`);
      assert.equal(seen?.headers.authorization, 'Bearer secret-token');
      await sleep(20);
      assert.equal(watch.doneCalls(), 1);
    } finally {
      await close();
    }
  });

  it('ends with the HTTP status as statusCode and code (410: ListWatch lists again)', async () => {
    const { kc, close } = await serve((_req, res) => res.writeHead(410, 'Gone').end('{"kind":"Status"}'));
    try {
      const error = (await collect(kc).finished) as WatchError;
      assert.ok(error instanceof WatchError);
      assert.equal(error.statusCode, 410);
      assert.equal(error.code, 410);
      assert.equal(error.message, 'Gone');
    } finally {
      await close();
    }
  });

  it('ends with an error when the connection is cut mid-stream, and once only when aborted after', async () => {
    const { kc, close } = await serve((_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', 'a'));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    try {
      const watch = collect(kc);
      const error = await watch.finished;
      assert.ok(error instanceof Error, `an error, not ${String(error)}`);
      assert.deepEqual(watch.events, [{ type: 'ADDED', name: 'a' }]);
      await sleep(20);
      assert.equal(watch.doneCalls(), 1);
    } finally {
      await close();
    }
  });

  it('stops when its controller aborts, calling done once', async () => {
    const { kc, close } = await serve((_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', 'a'));
    });
    try {
      let doneCalls = 0;
      let resolveFirst: () => void = () => undefined;
      const first = new Promise<void>((resolve) => (resolveFirst = resolve));
      const controller = await watchStream(kc, '/api/v1/pods', {}, resolveFirst, () => (doneCalls += 1));
      await first;
      controller.abort();
      await sleep(50);
      assert.equal(doneCalls, 1);
    } finally {
      await close();
    }
  });

  it('gives up on a server that never answers, within the request time limit', async () => {
    const { kc, close } = await serve(() => undefined);
    try {
      const started = Date.now();
      const error = await collect(withRequestTimeout(kc, 200)).finished;
      assert.match(String(error), /no response within 200 ms/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      await close();
    }
  });
});
