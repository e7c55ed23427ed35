// A pod bound to the virtual node, as it is created in CCI: all of the cluster's pods share one CCI
// namespace, so its name is derived from namespace and name (deterministic, at most 63 characters)
// and annotations keep where it came from. What CCI cannot take is left out: scheduling fields
// (the pod is already placed), and the cluster's service-account token volume.
import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';

export const ORIGIN_NAMESPACE = 'vkctl.io/origin-namespace';
export const ORIGIN_NAME = 'vkctl.io/origin-name';
export const ORIGIN_UID = 'vkctl.io/origin-uid';

const MAX_NAME = 63;

/** `<namespace>-<name>`, or a shortened form with a hash when that is longer than 63 characters. */
export function cciPodName(namespace: string, name: string): string {
  const full = `${namespace}-${name}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 10);
  return `${full.slice(0, MAX_NAME - hash.length - 1).replace(/[-.]+$/, '')}-${hash}`;
}

const isServiceAccountToken = (volumeName: string) => volumeName.startsWith('kube-api-access-');

export function toCciPod(pod: V1Pod): V1Pod {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const spec = structuredClone(pod.spec ?? { containers: [] });
  for (const field of [
    'nodeName',
    'nodeSelector',
    'affinity',
    'tolerations',
    'schedulerName',
    'priority',
    'priorityClassName',
    'preemptionPolicy',
    'serviceAccountName',
    'serviceAccount',
    'topologySpreadConstraints',
    'runtimeClassName',
  ] as const) {
    delete spec[field];
  }
  spec.automountServiceAccountToken = false;
  spec.volumes = spec.volumes?.filter((v) => !isServiceAccountToken(v.name));
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    container.volumeMounts = container.volumeMounts?.filter((m) => !isServiceAccountToken(m.name));
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: cciPodName(namespace, name),
      labels: pod.metadata?.labels,
      annotations: {
        ...pod.metadata?.annotations,
        [ORIGIN_NAMESPACE]: namespace,
        [ORIGIN_NAME]: name,
        [ORIGIN_UID]: pod.metadata?.uid ?? '',
      },
    },
    spec,
  };
}

/** Where a CCI pod came from, or undefined for a pod that is not ours. */
export function originOf(cciPod: V1Pod): { namespace: string; name: string; uid: string } | undefined {
  const a = cciPod.metadata?.annotations ?? {};
  const [namespace, name, uid] = [a[ORIGIN_NAMESPACE], a[ORIGIN_NAME], a[ORIGIN_UID]];
  return namespace && name && uid ? { namespace, name, uid } : undefined;
}
