// One HTTP client for every Huawei Cloud service: signs each request with AK/SK, applies a timeout,
// and turns error answers into CloudApiError with the service's own code and message.
import { ConfigError } from '../errors.js';
import { cciErrorLine } from './cci-error-codes.js';
import type { CloudService } from './config.js';
import { signRequest, type Credentials } from './signer.js';
import { openStream, readErrorText, sendRequest, WireError } from './transport.js';

export class CloudApiError extends Error {
  constructor(
    readonly service: CloudService,
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    /**
     * The causes a Kubernetes Status names (details.causes[].reason), as CCI's Kubernetes API answers:
     * e.g. NamespaceTerminating, for a create refused while the namespace is being deleted.
     */
    readonly causes: readonly string[] = [],
  ) {
    super(message);
  }
}

/**
 * The service answered 404: what was asked for is not there. (CCI also answers 404 when it is not
 * authorized: cci.ts tells the two apart.)
 */
export function isNotFound(error: unknown): error is CloudApiError {
  return error instanceof CloudApiError && error.status === 404;
}

/** The service could not be reached at all (DNS, refused, reset, timeout). */
export class CloudUnreachableError extends Error {
  constructor(
    readonly service: CloudService,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface CloudRequest {
  method?: string;
  path: string;
  /** An array value repeats the parameter (exec's `command`). */
  query?: Record<string, string | string[] | undefined>;
  body?: unknown;
  /** Sent as X-Project-Id, which project-level services need with AK/SK. */
  projectId?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The longest line a watch may send (lines()): one event, one object, and Kubernetes-style APIs keep
 * an object under 1.5 MiB (etcd); the same bound as the apiserver's watches (kube/watch-stream.ts).
 */
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** What a finished request reports to an observer (the runtime's metrics): status 0 = unreachable. */
export interface RequestOutcome {
  service: CloudService;
  method: string;
  status: number;
  seconds: number;
}
export type RequestObserver = (outcome: RequestOutcome) => void;

function errorMessage(status: number, text: string): { code?: string; message: string; causes?: string[] } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const code = (body.error_code ?? body.errorCode ?? body.reason) as string | undefined;
    const message = (body.error_msg ?? body.errorMessage ?? body.message) as string | undefined;
    // A StatusCause's type is serialised as "reason" (k8s.io/apimachinery metav1.StatusCause).
    const details = body.details as { causes?: { reason?: unknown }[] } | undefined;
    const causes = (details?.causes ?? [])
      .map((c) => c.reason)
      .filter((t): t is string => typeof t === 'string');
    if (message) return { code, message, causes };
  } catch {
    // not JSON
  }
  return { message: `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}` };
}

export class CloudClient {
  constructor(
    readonly service: CloudService,
    private readonly endpoint: string | undefined,
    private readonly credentials: Credentials,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
    private readonly observe: RequestObserver = () => undefined,
  ) {}

  /** URL, method, signed headers and body of a request. */
  private prepare(request: CloudRequest): {
    url: URL;
    method: string;
    headers: Record<string, string>;
    body: string;
  } {
    if (!this.endpoint) throw new ConfigError(`no ${this.service} endpoint: set a region or the endpoint`);
    const url = new URL(`${this.endpoint}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      for (const item of value === undefined ? [] : [value].flat()) url.searchParams.append(key, item);
    }
    const body = request.body === undefined ? '' : JSON.stringify(request.body);
    const method = request.method ?? 'GET';
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (request.projectId) headers['X-Project-Id'] = request.projectId;
    Object.assign(headers, signRequest({ method, url, headers, body }, this.credentials));
    return { url, method, headers, body };
  }

  /**
   * A signed GET to be upgraded to a WebSocket (exec, attach): its ws:// or wss:// URL and headers.
   * The caller opens the socket; the signature covers the headers given here.
   */
  signedUpgrade(request: CloudRequest): { url: URL; headers: Record<string, string> } {
    const { url, headers } = this.prepare({ ...request, method: 'GET' });
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return { url, headers };
  }

  /**
   * A long-lived GET (a watch, a followed log) as the raw body, until `signal` aborts or the server
   * ends it. Its headers must come within the client's timeout; after that only `idleTimeoutMs` of
   * silence ends it (a watch), or nothing does (a followed log: the caller decides how long to listen).
   */
  async stream(
    request: CloudRequest,
    signal: AbortSignal,
    idleTimeoutMs?: number,
  ): Promise<AsyncIterable<Uint8Array>> {
    const { url, method, headers } = this.prepare(request);
    const limits = { headersTimeoutMs: this.timeoutMs, idleTimeoutMs };
    const response = await openStream({ url, method, headers }, signal, limits).catch((error: unknown) => {
      // Anything but a WireError is the caller's own abort (openStream passes it through).
      if (!(error instanceof WireError)) throw error;
      throw this.unreachable(error.reason, error);
    });
    if (response.status < 200 || response.status >= 300) {
      throw this.apiError(response.status, await readErrorText(response.body, this.timeoutMs));
    }
    return response.body as AsyncIterable<Uint8Array>;
  }

  /**
   * A long-lived GET as lines of text (a watch). A line longer than MAX_LINE_CHARS ends it.
   */
  async *lines(request: CloudRequest, signal: AbortSignal, idleTimeoutMs?: number): AsyncGenerator<string> {
    const body = await this.stream(request, signal, idleTimeoutMs);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        yield buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (buffered.length > MAX_LINE_CHARS) {
        const what = `${this.service.toUpperCase()} at ${this.endpoint} sent a line longer than ${MAX_LINE_CHARS} characters`;
        throw new CloudUnreachableError(this.service, what);
      }
    }
    if (buffered) yield buffered;
  }

  /** The service's error answer; CCI's codes a user can act on say what to do (cci-errors.ts). */
  private apiError(status: number, text: string): CloudApiError {
    const { code, message, causes } = errorMessage(status, text);
    const line =
      (this.service === 'cci' ? cciErrorLine(code, message) : undefined) ??
      `${this.service.toUpperCase()} ${status}${code ? ` ${code}` : ''}: ${message}`;
    return new CloudApiError(this.service, status, code, line, causes);
  }

  private unreachable(reason: string, cause: unknown): CloudUnreachableError {
    return new CloudUnreachableError(
      this.service,
      `${this.service.toUpperCase()} at ${this.endpoint} is unreachable: ${reason}`,
      { cause },
    );
  }

  async request<T>(request: CloudRequest): Promise<T> {
    const { url, method, headers, body } = this.prepare(request);
    const started = performance.now();
    const report = (status: number) =>
      this.observe({ service: this.service, method, status, seconds: (performance.now() - started) / 1000 });
    let response: { status: number; text: string };
    try {
      response = await sendRequest(
        { url, method, headers, body: body === '' ? undefined : body },
        this.timeoutMs,
      );
    } catch (error) {
      report(0);
      throw this.unreachable(error instanceof WireError ? error.reason : (error as Error).message, error);
    }
    const { status, text } = response;
    report(status);
    if (status < 200 || status >= 300) {
      throw this.apiError(status, text);
    }
    // Some answers are plain text (CCE's add-on DELETE answers "success").
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      return text as T;
    }
  }
}
