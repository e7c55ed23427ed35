// Requests signed by the official Huawei Cloud Node.js SDK's AK/SK signer, so that emulator tests
// prove the emulator against the real algorithm rather than against our own reading of it.
import http from 'node:http';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';

export interface SdkRequest {
  method: string;
  /** Base URL of the service, e.g. http://127.0.0.1:1234 */
  endpoint: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json<T = unknown>(): T;
}

/** The headers the SDK would send for this request (Authorization, X-Sdk-Date, host, ...). */
export function sdkSign(
  request: SdkRequest,
  ak: string,
  sk: string,
  projectId?: string,
): Record<string, string> {
  const credentials = new BasicCredentials().withAk(ak).withSk(sk);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...request.headers };
  if (projectId) headers['X-Project-Id'] = projectId;
  return AKSKSigner.sign(
    {
      endpoint: `${request.endpoint}${request.path}`,
      method: request.method,
      headers,
      queryParams: request.query ?? {},
      data: request.body,
    },
    credentials,
  );
}

/** Sends a request as given, with exactly these headers and body bytes. */
export function rawRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function queryString(query: Record<string, string> | undefined): string {
  const q = new URLSearchParams(query ?? {}).toString();
  return q ? `?${q}` : '';
}

/** Signs with the SDK and sends. */
export function sdkRequest(
  request: SdkRequest,
  ak: string,
  sk: string,
  projectId?: string,
): Promise<RawResponse> {
  const headers = sdkSign(request, ak, sk, projectId);
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  return rawRequest(
    request.method,
    `${request.endpoint}${request.path}${queryString(request.query)}`,
    headers,
    body,
  );
}
