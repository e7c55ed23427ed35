// An API write without client-node's generated client, for the runtime's hot paths (a status patch
// per pod change, mirrored events). client-node serializes the body through its model classes,
// sends it through node-fetch and turns the answer (a whole pod) back into model classes: most of
// the runtime's CPU per pod went there (docs/benchmarks.md "Where the runtime's cost goes"). Here
// the body is JSON.stringify'd, sent on the same pooled agent with the same headers and time limit,
// and the answer is read only when it is an error. Errors look like client-node's (`code`, `body`),
// so callers and errorText treat both alike.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { connectionOptions } from './pooled-connections.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, TimedKubeConfig } from './request-timeout.js';

/** client-node's (node-fetch's) User-Agent: the apiserver names the field manager after it. */
export const USER_AGENT = 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)';
/** Enough of an error's body for the apiserver's Status; more is dropped. */
const MAX_ERROR_BODY = 64 * 1024;

export interface PlainRequest {
  method: 'POST' | 'PATCH' | 'PUT';
  /** The API path with its query, e.g. /api/v1/namespaces/ns/pods/name/status. */
  path: string;
  body: unknown;
  /** application/merge-patch+json for a merge patch; application/json otherwise. */
  contentType?: string;
}

/** The apiserver's refusal, shaped like client-node's ApiException: `code` and the raw `body`. */
export class KubeRequestError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${code}`);
    this.name = 'KubeRequestError';
  }
}

/** Where a server's requests go, parsed once per server URL (not per request). */
interface Target {
  client: typeof http | typeof https;
  hostname: string;
  port: string;
  /** The server URL's own path (a proxy's prefix, say), without its trailing slashes. */
  prefix: string;
}
const targets = new Map<string, Target>();

function targetOf(server: string): Target {
  let target = targets.get(server);
  if (!target) {
    const url = new URL(server);
    target = {
      client: url.protocol === 'http:' ? http : https,
      // An IPv6 address is bracketed in a URL, not in a request's hostname.
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      prefix: url.pathname.replace(/\/+$/, ''),
    };
    targets.set(server, target);
  }
  return target;
}

/** The error of a request past its time limit: named AbortError, as isRequestTimeout expects. */
function timedOut(timeoutMs: number): Error {
  const error = new Error(`no answer within ${timeoutMs} ms`);
  error.name = 'AbortError';
  return error;
}

/**
 * Sends one request; resolves once the apiserver accepted it (2xx), without parsing the answer. Its
 * time limit is one timer that destroys the request: AbortSignal.timeout per request (a signal, its
 * listeners and a timer each) was a few per cent of the runtime's CPU in a burst.
 */
export async function sendPlain(kc: KubeConfig, request: PlainRequest): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const { client, hostname, port, prefix } = targetOf(server);
  const { agent, headers, auth } = await connectionOptions(kc);
  const payload = JSON.stringify(request.body);
  const timeoutMs = kc instanceof TimedKubeConfig ? kc.requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS;
  const what = `${request.method} ${request.path}`;
  await new Promise<void>((resolve, reject) => {
    const req = client.request(
      {
        method: request.method,
        hostname,
        port,
        path: prefix + request.path,
        agent,
        auth,
        headers: {
          ...headers,
          Accept: 'application/json',
          'User-Agent': USER_AGENT,
          'Content-Type': request.contentType ?? 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        res.on('error', fail);
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) {
          res.on('end', () => {
            clearTimeout(timer);
            resolve();
          });
          res.resume();
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_ERROR_BODY) body += chunk.slice(0, MAX_ERROR_BODY - body.length);
        });
        res.on('end', () => fail(new KubeRequestError(code, body, what)));
      },
    );
    const timer = setTimeout(() => req.destroy(timedOut(timeoutMs)), timeoutMs);
    function fail(error: Error) {
      clearTimeout(timer);
      reject(error);
    }
    req.on('error', (error) => {
      const failed = new Error(`${what}: ${error.message}`, { cause: error });
      failed.name = error.name; // AbortError for the time limit, as isRequestTimeout expects
      fail(failed);
    });
    req.end(payload);
  });
}
