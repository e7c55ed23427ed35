// Small HTTP helpers shared by the emulated services: reading bodies, JSON replies, and a route table.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** CCI accepts bodies up to 12 MB (CCI API reference); the other services far less. */
export const MAX_BODY_BYTES = 12 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** An error of a Kubernetes-compatible API (CCI): sent as a Kubernetes Status object. */
export class KubeStatusError extends HttpError {
  constructor(
    status: number,
    reason: string,
    message: string,
    /** CCI's own code (e.g. CCI.02.409101), sent beside the Status as CCI's error body has it. */
    readonly errorCode?: string,
    /** Why, for a reader of the test logs, as Status.details.causes: not something a client may rely on. */
    readonly detail?: string,
  ) {
    super(status, message, reason);
  }
}

/** A Kubernetes-style error without a CCI code (what the backend apiserver itself would answer). */
export function kubeError(status: number, reason: string, message: string): KubeStatusError {
  return new KubeStatusError(status, reason, message);
}

/** Huawei API Gateway style error body {"error_code","error_msg"}, or a Status for KubeStatusError. */
export function sendApiError(res: ServerResponse, error: HttpError, requestId: string): void {
  if (error instanceof KubeStatusError) {
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: error.message,
      reason: error.code,
      code: error.status,
      ...(error.errorCode ? { errorCode: error.errorCode } : {}),
      ...(error.detail ? { details: { causes: [{ message: error.detail }] } } : {}),
    };
    return sendJson(res, error.status, status, { 'X-Request-Id': requestId });
  }
  sendJson(
    res,
    error.status,
    { error_code: error.code ?? `APIGW.${error.status}`, error_msg: error.message, request_id: requestId },
    { 'X-Request-Id': requestId },
  );
}

export function parseJson<T>(body: Buffer): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

export interface Route<C> {
  method: string;
  pattern: RegExp;
  handle: (ctx: C, params: string[]) => Promise<void> | void;
}

export function route<C>(method: string, pattern: RegExp, handle: Route<C>['handle']): Route<C> {
  return { method, pattern, handle };
}

export function matchRoute<C>(
  routes: Route<C>[],
  method: string,
  path: string,
): { route: Route<C>; params: string[] } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (m) return { route: r, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}
