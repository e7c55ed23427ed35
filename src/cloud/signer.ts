// Huawei Cloud AK/SK request signing ("SDK-HMAC-SHA256", the API Gateway signing guide).
// vkctl signs every cloud call itself rather than through the official SDK: CCI is not covered by
// the SDK, and the runtime streams CCI watches and logs through the same signer. A test proves this
// signer byte-identical to @huaweicloud/huaweicloud-sdk-core's AKSKSigner.
import { createHash, createHmac } from 'node:crypto';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

export interface Credentials {
  accessKey: string;
  secretKey: string;
}

export interface RequestToSign {
  method: string;
  url: URL;
  /** Every header that will be sent; all of them are signed, as the SDK does. */
  headers: Record<string, string>;
  body: string;
}

/** RFC 3986 unreserved characters stay; every other UTF-8 byte becomes %XX (upper-case hex). */
export function escapeForSigning(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const isUnreserved =
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      [0x2d, 0x2e, 0x5f, 0x7e].includes(byte);
    out += isUnreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** YYYYMMDDTHHMMSSZ in UTC. */
export function sdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function canonicalUri(pathname: string): string {
  const path = pathname.split('/').map(escapeForSigning).join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

function canonicalQuery(url: URL): string {
  const byKey = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) byKey.set(key, [...(byKey.get(key) ?? []), value]);
  return [...byKey.keys()]
    .sort()
    .flatMap((key) =>
      (byKey.get(key) ?? []).sort().map((value) => `${escapeForSigning(key)}=${escapeForSigning(value)}`),
    )
    .join('&');
}

/**
 * The headers to add to a request: X-Sdk-Date and Authorization. `host` is signed from the URL, as
 * the HTTP client sends it.
 */
export function signRequest(
  request: RequestToSign,
  credentials: Credentials,
  now: Date = new Date(),
): Record<string, string> {
  const date = sdkDate(now);
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) headers.set(name.toLowerCase(), value);
  headers.set('host', request.url.host);
  headers.set('x-sdk-date', date);
  const names = [...headers.keys()].sort();
  const payloadHash =
    headers.get('x-sdk-content-sha256') ?? createHash('sha256').update(request.body, 'utf8').digest('hex');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.url.pathname),
    canonicalQuery(request.url),
    names.map((name) => `${name}:${headers.get(name) ?? ''}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const stringToSign = [
    SIGNING_ALGORITHM,
    date,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const signature = createHmac('sha256', credentials.secretKey).update(stringToSign).digest('hex');
  return {
    'X-Sdk-Date': date,
    Authorization: `${SIGNING_ALGORITHM} Access=${credentials.accessKey}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}
