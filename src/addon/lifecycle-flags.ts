// Flags shared by upgrade, diff and rollback, and the request they make.
import { Flags } from '@oclif/core';
import { parseDuration } from '../duration.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import type { LifecycleTarget } from './upgrade.js';

export const waitFlags = {
  wait: Flags.boolean({
    description: 'wait until the runtime is available and the virtual node Ready',
    default: true,
    allowNo: true,
  }),
  timeout: Flags.string({ description: 'how long to wait', default: '5m' }),
};

export function lifecycleTarget(
  flags: { kubeconfig?: string; context?: string; namespace: string; wait: boolean; timeout: string },
  progress: (message: string) => void,
): LifecycleTarget {
  return {
    kc: loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context }),
    namespace: flags.namespace,
    wait: flags.wait,
    timeoutMs: parseDuration(flags.timeout),
    progress,
  };
}
