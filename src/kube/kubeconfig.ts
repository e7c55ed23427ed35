// Loads the kubeconfig the way kubectl does: --kubeconfig alone, else the files of $KUBECONFIG merged
// (first file to name a cluster, user or context wins; the first current-context set wins; missing
// files skipped), else ~/.kube/config, else in-cluster; then --context. client-node's own
// loadFromDefault does neither: it fails on a missing file and on a name two files share, and lets
// later files override the current context. It also silently falls back to http://localhost:8080
// when it finds nothing; that becomes a clear error here instead of a later ECONNREFUSED.
import { existsSync } from 'node:fs';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { TimedKubeConfig } from './request-timeout.js';
import { kubeconfigFiles } from './kubeconfig-files.js';
import { ConfigError, firstLine } from '../errors.js';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  /** The time limit of each API request (--request-timeout), in ms. */
  requestTimeoutMs?: number;
}

/** The entries of several kubeconfigs as one, kubectl's way: the first of each name is kept. */
function mergeFirstWins(configs: KubeConfig[]) {
  const firstOfEach = <T extends { name: string }>(lists: T[][]): T[] => {
    const byName = new Map<string, T>();
    for (const item of lists.flat()) if (!byName.has(item.name)) byName.set(item.name, item);
    return [...byName.values()];
  };
  return {
    clusters: firstOfEach<Cluster>(configs.map((c) => c.getClusters())),
    users: firstOfEach<User>(configs.map((c) => c.getUsers())),
    contexts: firstOfEach<Context>(configs.map((c) => c.getContexts())),
    currentContext: configs.map((c) => c.getCurrentContext()).find((name) => name) ?? '',
  };
}

/** Loads the kubeconfig files into `kc`; gives back the files loaded (none: the default's). */
function loadFiles(kc: KubeConfig, flags: KubeFlags): string[] {
  if (flags.kubeconfig) {
    if (!existsSync(flags.kubeconfig)) throw new ConfigError(`kubeconfig ${flags.kubeconfig} does not exist`);
    kc.loadFromFile(flags.kubeconfig);
    return [flags.kubeconfig];
  }
  const found = kubeconfigFiles(undefined);
  if (!found || found.files.length === 0) {
    if (found?.source === 'KUBECONFIG')
      throw new ConfigError(
        `no kubeconfig found: none of the files KUBECONFIG lists exists (${found.missing.join(', ')})`,
      );
    kc.loadFromDefault(); // ~/.kube/config is absent: in-cluster, or client-node's empty default
    return [];
  }
  const [only, ...others] = found.files;
  if (only && others.length === 0) {
    kc.loadFromFile(only);
    return [only];
  }
  const configs = found.files.map((file) => {
    const one = new TimedKubeConfig();
    try {
      one.loadFromFile(file); // also makes its relative certificate paths absolute
    } catch (error) {
      throw new ConfigError(`cannot load kubeconfig ${file}: ${firstLine(error)}`, {
        cause: error,
      });
    }
    return one;
  });
  kc.loadFromOptions(mergeFirstWins(configs));
  return found.files;
}

export function loadKubeConfig(flags: KubeFlags = {}): KubeConfig {
  const kc = new TimedKubeConfig();
  if (flags.requestTimeoutMs) kc.requestTimeoutMs = flags.requestTimeoutMs;
  let loaded: string[];
  try {
    loaded = loadFiles(kc, flags);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot load kubeconfig: ${firstLine(error)}`, {
      cause: error,
    });
  }
  if (flags.context) {
    if (!kc.getContexts().some((c) => c.name === flags.context)) {
      throw new ConfigError(`context "${flags.context}" is not in the kubeconfig`);
    }
    kc.setCurrentContext(flags.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster || (cluster.name === 'cluster' && cluster.server === 'http://localhost:8080')) {
    // A kubeconfig was read but names no cluster to use: that is what to fix, not where it is.
    if (loaded.length > 0)
      throw new ConfigError(`kubeconfig ${loaded.join(', ')} has no current context with a cluster`, {
        advice: { missing: [{ option: 'context' }] },
      });
    throw new ConfigError('no kubeconfig found (none at ~/.kube/config)', {
      advice: { missing: [{ option: 'kubeconfig', env: 'KUBECONFIG' }] },
    });
  }
  return kc;
}

/** The namespace the kubeconfig's current context names, as kubectl defaults -n to it. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
}
