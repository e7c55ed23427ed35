// The burst-policy webhook's HTTPS endpoint: POST /mutate-pods takes an admission.k8s.io/v1
// AdmissionReview and answers with the burst policy's JSON patch. A request it cannot read is
// allowed unchanged: this webhook adds scheduling hints, it never blocks a pod. A body over 3 MiB
// is refused with 413 as it arrives (listener-limits.ts).
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { burstPatch } from './burst-policy.js';
import {
  BodyTooLargeError,
  LISTENER_OPTIONS,
  MAX_ADMISSION_REVIEW_BYTES,
  readBody,
  TLS_OPTIONS,
} from './listener-limits.js';

interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: { uid?: string; object?: V1Pod; operation?: string };
}

export function admissionResponse(review: AdmissionReview): Record<string, unknown> {
  const uid = review.request?.uid ?? '';
  const pod = review.request?.object;
  const patch = pod && review.request?.operation === 'CREATE' ? burstPatch(pod) : [];
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: true,
      ...(patch.length > 0
        ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }
        : {}),
    },
  };
}

export interface WebhookServer {
  port: number;
  stop(): Promise<void>;
}

export async function startWebhookServer(
  tls: { cert: string; key: string },
  port: number,
  host?: string,
): Promise<WebhookServer> {
  const server = https.createServer(
    { cert: tls.cert, key: tls.key, ...TLS_OPTIONS, ...LISTENER_OPTIONS },
    (req, res) => {
      if (req.method !== 'POST' || !req.url?.startsWith('/mutate-pods')) {
        res.writeHead(404).end();
        return;
      }
      readBody(req, MAX_ADMISSION_REVIEW_BYTES).then(
        (raw) => {
          let review: AdmissionReview = {};
          try {
            review = JSON.parse(raw.toString('utf8')) as AdmissionReview;
          } catch {
            // answered below with an empty uid: the apiserver treats it as a failed call (Ignore)
          }
          const body = JSON.stringify(admissionResponse(review));
          res.writeHead(200, {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
          });
          res.end(body);
        },
        (error: unknown) => {
          // Too large (or the connection failed): refused, and the connection closed after it.
          const status = error instanceof BodyTooLargeError ? 413 : 400;
          res.writeHead(status, { 'Content-Type': 'text/plain', Connection: 'close' });
          res.end(`${(error as Error).message}\n`, () => req.socket.destroy());
        },
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
