// Server side of Huawei Cloud's AK/SK signing ("SDK-HMAC-SHA256", API Gateway signing guide):
// rebuilds the canonical request from what arrived on the wire and compares HMAC-SHA256(SK, ...)
// with the Authorization header. Written from the published algorithm
// (../shared/reference/huawei-cloud.md §5.1); a test proves it against the official Node.js SDK.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
/** API Gateway refuses requests whose X-Sdk-Date is more than 15 minutes off. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received (req.url). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type VerifyResult = { ok: true; accessKey: string } | { ok: false; reason: string };

/** Percent-encodes everything but RFC 3986 unreserved characters, with upper-case hex. */
export function signingEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => signingEscape(segment))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function canonicalQuery(query: string): string {
  const params = new URLSearchParams(query);
  const byKey = new Map<string, string[]>();
  for (const [key, value] of params) byKey.set(key, [...(byKey.get(key) ?? []), value]);
  return [...byKey.keys()]
    .sort()
    .flatMap((key) =>
      (byKey.get(key) ?? []).sort().map((value) => `${signingEscape(key)}=${signingEscape(value)}`),
    )
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `20191115T033655Z` -> Date, or undefined when malformed. */
export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header?.startsWith(`${SIGNING_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice(SIGNING_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKey = fields.get('Access');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKey || !signedHeaders || !signature) return undefined;
  return { accessKey, signedHeaders: signedHeaders.split(';'), signature };
}

export function stringToSign(request: SignedRequest, signedHeaders: string[], sdkDate: string): string {
  const queryStart = request.rawUrl.indexOf('?');
  const path = queryStart < 0 ? request.rawUrl : request.rawUrl.slice(0, queryStart);
  const query = queryStart < 0 ? '' : request.rawUrl.slice(queryStart + 1);
  const payloadHash =
    headerValue(request.headers, 'x-sdk-content-sha256') ??
    createHash('sha256').update(request.body).digest('hex');
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${headerValue(request.headers, name) ?? ''}\n`)
    .join('');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(path),
    canonicalQuery(query),
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  return [SIGNING_ALGORITHM, sdkDate, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
}

/**
 * Checks a signed request. `secretFor` returns the SK of an AK, or undefined when the AK is unknown.
 * The reasons are for the emulator's 401 messages.
 */
export function verifySignature(
  request: SignedRequest,
  secretFor: (accessKey: string) => string | undefined,
  now: Date = new Date(),
): VerifyResult {
  const auth = parseAuthorization(headerValue(request.headers, 'authorization'));
  if (!auth) return { ok: false, reason: 'missing or malformed SDK-HMAC-SHA256 Authorization header' };
  const sdkDate = headerValue(request.headers, 'x-sdk-date');
  if (!sdkDate) return { ok: false, reason: 'missing X-Sdk-Date header' };
  const date = parseSdkDate(sdkDate);
  if (!date) return { ok: false, reason: `malformed X-Sdk-Date "${sdkDate}"` };
  if (Math.abs(now.getTime() - date.getTime()) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, reason: 'X-Sdk-Date is more than 15 minutes from the server time' };
  }
  if (!auth.signedHeaders.includes('x-sdk-date') || !auth.signedHeaders.includes('host')) {
    return { ok: false, reason: 'SignedHeaders must include host and x-sdk-date' };
  }
  const secret = secretFor(auth.accessKey);
  if (!secret) return { ok: false, reason: 'unknown access key' };
  const expected = createHmac('sha256', secret)
    .update(stringToSign(request, auth.signedHeaders, sdkDate))
    .digest();
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true, accessKey: auth.accessKey };
}
