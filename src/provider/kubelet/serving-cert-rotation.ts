// Keeps the kubelet API's serving certificate fresh, as the kubelet's certificate manager does: a
// new CSR once a share of the current certificate's lifetime has passed (80% by default), swapped
// into the running server without dropping connections; on failure, retried with backoff while
// the current certificate still holds.
import forge from 'node-forge';
import { errorText, type Logger } from '../logger.js';
import type { ServingCertificate } from './serving-cert.js';

export interface RotationOptions {
  /** Share of the lifetime after which to renew, in (0, 1). */
  renewAt: number;
  current: ServingCertificate;
  /** Gets a new certificate (a CSR, or the add-on's CA). */
  obtain(): Promise<ServingCertificate>;
  /** Puts a new certificate into service. */
  install(certificate: ServingCertificate): void;
  log: Logger;
}

/** setTimeout's longest delay (about 24.8 days); longer waits are done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const RETRY_MS = { first: 5_000, max: 5 * 60_000 };

/** Milliseconds from `now` until the certificate is due for renewal (0 when overdue). */
export function renewalDelayMs(certPem: string, renewAt: number, now = Date.now()): number {
  const { notBefore, notAfter } = forge.pki.certificateFromPem(certPem).validity;
  const due = notBefore.getTime() + (notAfter.getTime() - notBefore.getTime()) * renewAt;
  return Math.max(0, due - now);
}

/** Starts renewing; returns a function that stops it. */
export function keepServingCertificateFresh(options: RotationOptions): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current = options.current;
  let retryMs = RETRY_MS.first;

  const schedule = (delayMs: number) => {
    if (stopped) return;
    const step = Math.min(delayMs, MAX_TIMER_MS);
    timer = setTimeout(() => (step < delayMs ? schedule(delayMs - step) : void renew()), step);
    timer.unref();
  };
  const renew = async () => {
    try {
      const next = await options.obtain();
      if (stopped) return;
      options.install(next);
      current = next;
      retryMs = RETRY_MS.first;
      options.log.info('kubelet serving certificate renewed', { notAfter: next.notAfter.toISOString() });
      // Never back to back, even if the signer cut the new certificate short.
      schedule(Math.max(RETRY_MS.first, renewalDelayMs(current.cert, options.renewAt)));
    } catch (error) {
      options.log.warn('kubelet serving certificate renewal failed; retrying', {
        error: errorText(error),
        retryInSeconds: retryMs / 1000,
        currentNotAfter: current.notAfter.toISOString(),
      });
      schedule(retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MS.max);
    }
  };
  schedule(renewalDelayMs(current.cert, options.renewAt));
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
