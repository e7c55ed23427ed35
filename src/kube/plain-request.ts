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

/** Sends one request; resolves once the apiserver accepted it (2xx), without parsing the answer. */
export async function sendPlain(kc: KubeConfig, request: PlainRequest): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(server.replace(/\/+$/, '') + request.path);
  const { agent, headers, auth } = await connectionOptions(kc);
  const payload = JSON.stringify(request.body);
  const timeoutMs = kc instanceof TimedKubeConfig ? kc.requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS;
  const what = `${request.method} ${request.path}`;
  const client = url.protocol === 'http:' ? http : https;
  await new Promise<void>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: request.method,
        agent,
        auth,
        headers: {
          ...headers,
          Accept: 'application/json',
          // The same as client-node's (node-fetch's): the apiserver names the field manager after it.
          'User-Agent': USER_AGENT,
          'Content-Type': request.contentType ?? 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        res.on('error', reject);
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) {
          // The answer is not needed; read through so the socket goes back to the pool.
          res.on('end', resolve);
          res.resume();
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_ERROR_BODY) body += chunk.slice(0, MAX_ERROR_BODY - body.length);
        });
        res.on('end', () => reject(new KubeRequestError(code, body, what)));
      },
    );
    req.on('error', (error) => {
      const failed = new Error(`${what}: ${error.message}`, { cause: error });
      failed.name = error.name; // AbortError for the time limit, as isRequestTimeout expects
      reject(failed);
    });
    req.end(payload);
  });
}
