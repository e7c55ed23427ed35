// Loads the kubeconfig the way kubectl does (--kubeconfig, else $KUBECONFIG, else ~/.kube/config,
// else in-cluster), with --context. client-node silently falls back to http://localhost:8080 when
// it finds nothing; that becomes a clear error here instead of a later ECONNREFUSED.
import { existsSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { TimedKubeConfig } from './request-timeout.js';
import { ConfigError } from '../errors.js';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  /** The time limit of each API request (--request-timeout), in ms. */
  requestTimeoutMs?: number;
}

export function loadKubeConfig(flags: KubeFlags = {}): KubeConfig {
  const kc = new TimedKubeConfig();
  if (flags.requestTimeoutMs) kc.requestTimeoutMs = flags.requestTimeoutMs;
  try {
    if (flags.kubeconfig) {
      if (!existsSync(flags.kubeconfig))
        throw new ConfigError(`kubeconfig ${flags.kubeconfig} does not exist`);
      kc.loadFromFile(flags.kubeconfig);
    } else {
      kc.loadFromDefault();
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot load kubeconfig: ${(error as Error).message.split('\n')[0]}`);
  }
  if (flags.context) {
    if (!kc.getContexts().some((c) => c.name === flags.context)) {
      throw new ConfigError(`context "${flags.context}" is not in the kubeconfig`);
    }
    kc.setCurrentContext(flags.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster || (cluster.name === 'cluster' && cluster.server === 'http://localhost:8080')) {
    throw new ConfigError('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  }
  return kc;
}
