// How a Huawei Cloud request goes over the wire: node:http(s) on keep-alive agents, with one timer
// per request as its time limit. This replaced Node's global fetch (undici): in a 1,000-pod burst
// through the CCI emulator, fetch and its web streams were about 30 % of the runtime's CPU, mostly
// per-request machinery (a Request, Headers, an AbortSignal made transferable, a web stream for each
// body), against a few per cent for node:https on the same calls. No library does less than
// node:https here; the signer (signer.ts) and the error reading (http.ts) stay as they were.
import http from 'node:http';
import https from 'node:https';

/**
 * An idle kept-alive connection is closed after 4 s, as undici closed them: Node's agent keeps one
 * until the server closes it (or as long as a Keep-Alive header says), and a gateway that drops idle
 * connections sooner would make the next request on it fail. The timeout closes only idle sockets.
 */
const IDLE_SOCKET_MS = 4_000;

/** Connections are kept and reused, as fetch did: the runtime sends a request per pod. */
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
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
 * The most an answer may hold. Far above any answer the runtime asks for (a namespace's pod list at
 * the node's 10,000-pod capacity is some 50 MB), and still well inside the installed memory limit:
 * past it the request fails rather than the process.
 */
export const MAX_ANSWER_BYTES = 128 * 1024 * 1024;

/** An error answer of a stream is read for its message only. */
const MAX_ERROR_ANSWER_BYTES = 64 * 1024;

/**
 * A reused kept-alive connection that the server closed just as we sent on it fails with one of
 * these before any answer: an idempotent request is then sent once more on a new connection (as
 * Node's documentation advises for `reusedSocket`). Others (a POST: a pod, a namespace, an add-on
 * created) are not: the server may have acted on them before the connection went, and RFC 9110
 * (9.2.2) leaves their retry to whoever knows what they do (the runtime retries a pod create and
 * takes 409 AlreadyExists as created).
 */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Sends a request and reads the whole answer as text, whatever its status. The time limit covers
 * everything (connecting, one resend of an idempotent request on a stale kept-alive connection, the
 * answer's headers and its body); past it the request is destroyed. An answer over MAX_ANSWER_BYTES is refused.
 */
export function sendRequest(
  request: WireRequest,
  timeoutMs: number,
  maxBytes = MAX_ANSWER_BYTES,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let req: http.ClientRequest;
    const fail = (error: WireError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new WireError(`no answer within ${timeoutMs / 1000} s`, true)),
      timeoutMs,
    );
    const attempt = (resent: boolean) => {
      req = open(request);
      let answered = false;
      req.on('error', (error: NodeJS.ErrnoException) => {
        const stale =
          req.reusedSocket &&
          !answered &&
          IDEMPOTENT_METHODS.has(request.method) &&
          STALE_SOCKET_CODES.has(error.code ?? '');
        if (stale && !resent && !settled) return attempt(true);
        fail(new WireError(reasonOf(error), false, { cause: error }));
      });
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) fail(new WireError(`an answer larger than ${maxBytes} bytes`, false));
          else chunks.push(chunk);
        });
        res.on('error', (error) => fail(new WireError(reasonOf(error), false, { cause: error })));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(request.body);
    };
    attempt(false);
  });
}

export interface StreamLimits {
  /** Until the answer's headers arrive. */
  headersTimeoutMs: number;
  /** Silence on the open stream after which it is ended (a watch); none for a followed log. */
  idleTimeoutMs?: number;
}

/**
 * Opens a long-lived GET (a watch, a followed log): resolves with the answer's status and body once
 * its headers arrive, within headersTimeoutMs. `signal` ends it, and so does idleTimeoutMs of
 * silence: a connection that died without a word would otherwise leave a watch open for good
 * (undici ended a body silent for 300 s). Either way the body's iteration throws.
 */
export function openStream(
  request: WireRequest,
  signal: AbortSignal,
  limits: StreamLimits,
): Promise<{ status: number; body: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = open(request, signal);
    const timer = setTimeout(() => {
      req.destroy(new WireError(`no answer within ${limits.headersTimeoutMs / 1000} s`, true));
    }, limits.headersTimeoutMs);
    let response: http.IncomingMessage | undefined;
    const { idleTimeoutMs } = limits;
    // Destroying the answer (once there is one) makes its reader throw this error, not "aborted".
    if (idleTimeoutMs !== undefined)
      req.setTimeout(idleTimeoutMs, () =>
        (response ?? req).destroy(new WireError(`nothing received for ${idleTimeoutMs / 1000} s`, true)),
      );
    req.on('error', (error) => {
      clearTimeout(timer);
      // Ended by its caller: the abort as Node reports it (an AbortError), for the caller to recognise.
      if (signal.aborted && !(error instanceof WireError)) return reject(error);
      reject(error instanceof WireError ? error : new WireError(reasonOf(error), false, { cause: error }));
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      response = res;
      resolve({ status: res.statusCode ?? 0, body: res });
    });
    req.end();
  });
}

/**
 * The body of a stream's error answer as text, for its message: at most 64 KiB of it and within
 * `timeoutMs` (the headers' timer is done by then, and a server could send headers and stall).
 */
export function readErrorText(body: http.IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      body.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, timeoutMs);
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk.subarray(0, Math.max(0, MAX_ERROR_ANSWER_BYTES - size)));
      size += chunk.length;
      if (size >= MAX_ERROR_ANSWER_BYTES) done();
    });
    body.on('end', done);
    body.on('error', done);
  });
}
