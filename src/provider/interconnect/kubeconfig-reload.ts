// Follows a kubeconfig file that is rewritten in place (a refreshed token): when its signature
// changes, the new config is loaded and handed on. A file caught half-written does not parse; that
// is logged and tried again on the next tick (its signature is not taken as seen), never thrown
// out of the timer, where it would end the process.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../logger.js';

export interface KubeConfigSource {
  /** Changes whenever the file does (mtime and size). */
  signature(): string;
  /** Throws when the file does not parse. */
  load(): KubeConfig;
  intervalMs?: number;
}

/** Starts following `source`; returns the function that stops it. */
export function followKubeConfig(
  source: KubeConfigSource,
  apply: (kc: KubeConfig) => Promise<void>,
  log: Pick<Logger, 'info' | 'warn'>,
): () => void {
  let seen = source.signature();
  let applying = false;
  const check = () => {
    if (applying) return;
    const signature = source.signature();
    if (signature === seen) return;
    let kc: KubeConfig;
    try {
      kc = source.load();
    } catch (error) {
      log.warn('the rewritten kubeconfig does not load yet; trying again', {
        error: (error as Error).message,
      });
      return;
    }
    seen = signature;
    applying = true;
    apply(kc)
      .then(
        () => log.info('credentials reloaded'),
        (error: unknown) => log.warn('reloading credentials failed', { error: (error as Error).message }),
      )
      .finally(() => (applying = false));
  };
  const timer = setInterval(check, source.intervalMs ?? 30_000);
  timer.unref();
  return () => clearInterval(timer);
}
