// Limits every HTTP listener of the runtime and the proxy holds to (webhook, kubelet API, health
// and metrics, the proxy's status port), so that anyone who can reach the add-on's Service or the
// node's port cannot make it hold memory or connections: a request must send its headers within 10 s and all of itself within 30 s (the
// response may stream for as long as it needs: logs -f, exec), and a body past a limit its route
// justifies is refused with 413 while it arrives, never buffered.
import type { IncomingMessage } from 'node:http';

export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node looks for requests past those timeouts (its default, 30 s, would let them run on). */
export const CONNECTIONS_CHECK_MS = 1_000;

/**
 * An AdmissionReview carries one pod, and the apiserver accepts no request body over 3 MiB (its
 * --max-request-bytes default), so no real review is larger.
 */
export const MAX_ADMISSION_REVIEW_BYTES = 3 * 1024 * 1024;

/** Options for http(s).createServer: the limits that must be set when the server is made. */
export const LISTENER_OPTIONS = {
  headersTimeout: HEADERS_TIMEOUT_MS,
  requestTimeout: REQUEST_TIMEOUT_MS,
  connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
  keepAliveTimeout: 5_000,
} as const;

/**
 * The TLS the runtime's HTTPS listeners speak: 1.3, or 1.2 with ECDHE key exchange and AEAD ciphers
 * only (forward secrecy; no RSA key exchange, no CBC), the suites the Kubernetes components accept
 * by default. TLS 1.3's own suites are all AEAD and are not listed here.
 */
export const TLS_OPTIONS = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
} as const;

export class BodyTooLargeError extends Error {}

/** The request's body, or BodyTooLargeError as soon as it passes `maxBytes` (declared or sent). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxBytes)
      return reject(new BodyTooLargeError(`body of ${declared} bytes, over ${maxBytes}`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Read no further: the caller answers 413 and closes the connection.
        req.removeAllListeners('data');
        req.pause();
        reject(new BodyTooLargeError(`body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
