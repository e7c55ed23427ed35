// Follows the kubeconfig's files (every file it is merged from) as they are rewritten in place (a
// refreshed token): when their signature changes, the new config is loaded and handed on. A file
// caught half-written does not parse; that is logged and tried again on the next tick (its
// signature is not taken as seen), never thrown out of the timer, where it would end the process.
import { statSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigFiles } from '../../kube/kubeconfig-files.js';
import type { Logger } from '../logger.js';

export interface KubeConfigSource {
  /** Changes whenever the file does (mtime and size). */
  signature(): string;
  /** Throws when the file does not parse. */
  load(): KubeConfig;
  intervalMs?: number;
}

/**
 * The files a reload follows: those the kubeconfig is loaded from (the flag's file alone, else each
 * of the KUBECONFIG list, else ~/.kube/config; none in-cluster). A listed file that is missing is
 * followed too: loading reads it once it appears.
 */
export function followedKubeconfigFiles(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const found = kubeconfigFiles(flag, env);
  return found ? [...found.files, ...found.missing] : [];
}

/** Changes whenever one of `files` does: its mtime, its size, or whether it exists. */
export function filesSignature(files: readonly string[]): string {
  return files
    .map((file) => {
      try {
        const stat = statSync(file);
        return `${stat.mtimeMs}:${stat.size}`;
      } catch {
        return 'missing';
      }
    })
    .join(' ');
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
