// A watch's event stream, read straight off the response. client-node's Watch sends the request
// through node-fetch and splits the body with readline over a PassThrough stream: in the runtime's
// profile (docs/benchmarks.md "Where the runtime's cost goes") that was 17 % of its CPU in a
// burst, more than anything it does itself. Here the request goes out on the same connections as
// the runtime's other requests (pooled-connections.ts), the body is split on newlines by hand and
// each line is JSON.parse'd once. Behaviour is client-node's, so its ListWatch runs on it unchanged:
// `callback(type, object, event)` per event, `done(error)` once when the stream ends, an HTTP
// status other than 200 as an error with `statusCode` (410: list again), and the returned
// controller aborts it. Added: a time limit until the response starts, TCP keep-alive so a dead
// peer is noticed, and a server-side timeout (5 to 10 minutes, as client-go's reflector asks) so
// no watch lives for ever.
import http, { STATUS_CODES } from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { USER_AGENT } from './plain-request.js';
import { connectionOptions } from './pooled-connections.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, TimedKubeConfig } from './request-timeout.js';

const KEEPALIVE_MS = 30_000;
/** One event larger than this ends the watch with an error (etcd keeps objects under 1.5 MiB). */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;
const MIN_WATCH_SECONDS = 300;

export type WatchCallback = (type: string, object: unknown, event: unknown) => void;

/** The watch error client-node's ListWatch understands: `statusCode` (and `code`), e.g. 410. */
export class WatchError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'WatchError';
  }

  get code(): number {
    return this.statusCode;
  }
}

/** Starts a watch of `path`; resolves once the request is sent, with the controller that ends it. */
export async function watchStream(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  callback: WatchCallback,
  done: (error: unknown) => void,
): Promise<AbortController> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('No currently active cluster');
  const url = new URL(server.replace(/\/+$/, '') + path);
  url.searchParams.set('watch', 'true');
  for (const [key, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(key, String(value));
  if (!url.searchParams.has('timeoutSeconds'))
    url.searchParams.set(
      'timeoutSeconds',
      String(MIN_WATCH_SECONDS + Math.floor(Math.random() * MIN_WATCH_SECONDS)),
    );
  const { agent, headers, auth } = await connectionOptions(kc);
  const startTimeoutMs = kc instanceof TimedKubeConfig ? kc.requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS;

  const controller = new AbortController();
  let ended = false;
  const end = (error: unknown) => {
    if (ended) return;
    ended = true;
    clearTimeout(startTimer);
    controller.abort();
    done(error);
  };
  const client = url.protocol === 'http:' ? http : https;
  const req = client.request(url, {
    method: 'GET',
    agent,
    auth,
    headers: { ...headers, Accept: 'application/json', 'User-Agent': USER_AGENT },
    signal: controller.signal,
  });
  const startTimer = setTimeout(
    () => end(new Error(`watch ${path}: no response within ${startTimeoutMs} ms`)),
    startTimeoutMs,
  );
  req.on('error', end);
  req.on('socket', (socket) => socket.setKeepAlive(true, KEEPALIVE_MS));
  req.on('response', (res) => {
    clearTimeout(startTimer);
    res.on('error', end);
    res.on('aborted', () => end(new Error(`watch ${path}: the connection was cut`)));
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      end(new WatchError(status, res.statusMessage || STATUS_CODES[status] || 'Internal Server Error'));
      return;
    }
    res.setEncoding('utf8');
    let pending = '';
    const deliver = (line: string) => {
      if (line.trim() === '') return;
      let event: { type: string; object: unknown };
      try {
        event = JSON.parse(line) as { type: string; object: unknown };
      } catch {
        return; // as client-node: a line that is not JSON is skipped
      }
      callback(event.type, event.object, event);
    };
    res.on('data', (chunk: string) => {
      if (ended) return;
      const text = pending + chunk;
      let start = 0;
      let newline = text.indexOf('\n');
      while (newline >= 0 && !ended) {
        deliver(text.slice(start, newline));
        start = newline + 1;
        newline = text.indexOf('\n', start);
      }
      pending = text.slice(start);
      if (pending.length > MAX_EVENT_BYTES)
        end(new Error(`watch ${path}: an event larger than ${MAX_EVENT_BYTES} bytes`));
    });
    res.on('end', () => {
      if (!ended) deliver(pending);
      end(null);
    });
  });
  req.end();
  return controller;
}
