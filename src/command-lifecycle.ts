// The cluster and waiting part of a lifecycle request (upgrade, rollback, diff), from the shared
// flags. Apart from command-base.ts, which every command imports: this one loads
// @kubernetes/client-node (through the kubeconfig), which status and help must not wait for.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ManagedTarget } from './addon/managed/cluster.js';
import { cloudFor } from './addon/managed/cloud-for.js';
import { listReleases, type ReleaseRecord } from './addon/release-store.js';
import type { LifecycleTarget } from './addon/upgrade.js';
import { CloudSession } from './cloud/session.js';
import { parseDuration } from './duration.js';
import { cloudConfigFromFlags, kubeSettings } from './command-base.js';
import { loadKubeConfig } from './kube/kubeconfig.js';

export function lifecycleTarget(
  flags: {
    kubeconfig?: string;
    context?: string;
    'request-timeout'?: string;
    namespace: string;
    wait: boolean;
    timeout: string;
  },
  progress: (message: string) => void,
): LifecycleTarget {
  return {
    kc: loadKubeConfig(kubeSettings(flags)),
    namespace: flags.namespace,
    wait: flags.wait,
    timeoutMs: parseDuration(flags.timeout, 'timeout'),
    progress,
  };
}

/**
 * The target of a managed-mode action (install --managed, and the commands that follow a managed
 * record): the cluster's records, and CCE reached with the cloud flags, in the region and cluster
 * the record names when there is one.
 */
export function managedTarget(
  flags: Parameters<typeof lifecycleTarget>[0] & Parameters<typeof cloudConfigFromFlags>[0],
  record: ReleaseRecord | undefined,
  progress: (message: string) => void,
): ManagedTarget {
  const { kc, namespace, wait, timeoutMs } = lifecycleTarget(flags, progress);
  const session = new CloudSession(cloudFor(cloudConfigFromFlags(flags), record));
  return { kc, namespace, session, wait, timeoutMs, progress };
}

/** The release the lifecycle commands follow: the newest record, whatever its status. */
export async function latestRelease(target: {
  kc: KubeConfig;
  namespace: string;
}): Promise<ReleaseRecord | undefined> {
  return (await listReleases(target.kc.makeApiClient(CoreV1Api), target.namespace)).at(-1);
}
