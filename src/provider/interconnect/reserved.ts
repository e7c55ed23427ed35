// Names the runtime gives what it adds to a CCI pod (the interconnect proxy container and its
// credentials volume) are the runtime's alone. A user pod that used them would get, once the proxy
// is injected, the proxy's credentials mounted in its own container, or a container of its own
// taken for the proxy (hidden from its status, exec'd into, stopped): so such a pod is refused with
// the reason, never quietly changed. With interconnect on, shareProcessNamespace is refused too:
// it would let the pod's containers read the proxy's files through /proc/<pid>/root.
import type { V1PodSpec } from '@kubernetes/client-node';
import { PROXY_CONTAINER, PROXY_KUBECONFIG_SECRET } from './sidecar.js';

export interface ReservedNameViolation {
  rule: 'reserved-name' | 'interconnect-shared-process-namespace';
  message: string;
  container?: string;
}

/** What a user's pod may not have, judged on the pod as the user wrote it (before injection). */
export function reservedNameViolations(spec: V1PodSpec, interconnect: boolean): ReservedNameViolation[] {
  const violations: ReservedNameViolation[] = [];
  for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
    if (container.name === PROXY_CONTAINER) {
      violations.push({
        rule: 'reserved-name',
        container: container.name,
        message: `the container name ${PROXY_CONTAINER} is reserved for vkctl's interconnect proxy: rename it`,
      });
    }
  }
  for (const volume of spec.volumes ?? []) {
    if (volume.name === PROXY_KUBECONFIG_SECRET) {
      violations.push({
        rule: 'reserved-name',
        message: `the volume name ${PROXY_KUBECONFIG_SECRET} is reserved for vkctl's interconnect proxy: rename it`,
      });
    }
  }
  if (interconnect && spec.shareProcessNamespace) {
    violations.push({
      rule: 'interconnect-shared-process-namespace',
      message:
        'shareProcessNamespace would let the pod’s containers read the interconnect proxy’s credentials: turn it off for pods that burst to CCI',
    });
  }
  return violations;
}
