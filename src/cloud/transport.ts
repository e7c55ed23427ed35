// How a Huawei Cloud request goes over the wire: node:http(s) on keep-alive agents, with one timer
// per request as its time limit. This replaced Node's global fetch (undici): in a 1,000-pod burst
// through the CCI emulator, fetch and its web streams were about 30 % of the runtime's CPU, mostly
// per-request machinery (a Request, Headers, an AbortSignal made transferable, a web stream for each
// body), against a few per cent for node:https on the same calls. No library does less than
// node:https here; the signer (signer.ts) and the error reading (http.ts) stay as they were.
import http from 'node:http';
import https from 'node:https';

/** Connections are kept and reused, as fetch did: the runtime sends a request per pod. */
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export interface WireRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** The request could not be sent or answered: `reason` is the socket's code (ECONNREFUSED) or why. */
export class WireError extends Error {
  constructor(
    readonly reason: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

function open(request: WireRequest, signal?: AbortSignal): http.ClientRequest {
  const client = request.url.protocol === 'http:' ? http : https;
  const agent = request.url.protocol === 'http:' ? agents['http:'] : agents['https:'];
  const headers: Record<string, string | number> = { ...request.headers };
  if (request.body !== undefined) headers['Content-Length'] = Buffer.byteLength(request.body);
  return client.request(request.url, { method: request.method, headers, agent, signal });
}

const reasonOf = (error: unknown) =>
  (error as NodeJS.ErrnoException).code ?? (error as Error).message ?? String(error);

/**
 * Sends a request and reads the whole answer as text, whatever its status. The time limit covers
 * everything (connecting, the answer's headers and its body); past it the request is destroyed.
 */
export function sendRequest(
  request: WireRequest,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: WireError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const req = open(request);
    const timer = setTimeout(
      () => fail(new WireError(`no answer within ${timeoutMs / 1000} s`, true)),
      timeoutMs,
    );
    req.on('error', (error) => fail(new WireError(reasonOf(error), false, { cause: error })));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => fail(new WireError(reasonOf(error), false, { cause: error })));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(request.body);
  });
}

/**
 * Opens a long-lived GET (a watch, a followed log): resolves with the answer's status and body once
 * its headers arrive. No time limit: `signal` ends it (the body's iteration then throws AbortError).
 */
export function openStream(
  request: WireRequest,
  signal: AbortSignal,
): Promise<{ status: number; body: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = open(request, signal);
    req.on('error', (error) => reject(new WireError(reasonOf(error), false, { cause: error })));
    req.on('response', (res) => resolve({ status: res.statusCode ?? 0, body: res }));
    req.end();
  });
}

/** An answer's body as text (an error answer of a stream). */
export async function readText(body: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
