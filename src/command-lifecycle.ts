// The cluster and waiting part of a lifecycle request (upgrade, rollback, diff), from the shared
// flags. Apart from command-base.ts, which every command imports: this one loads
// @kubernetes/client-node (through the kubeconfig), which status and help must not wait for.
import type { LifecycleTarget } from './addon/upgrade.js';
import { parseDuration } from './duration.js';
import { kubeSettings } from './command-base.js';
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
    timeoutMs: parseDuration(flags.timeout),
    progress,
  };
}
