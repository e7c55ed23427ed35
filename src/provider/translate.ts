// A pod bound to the virtual node, as it is created in CCI: all of the cluster's pods share one CCI
// namespace, so its name is derived from namespace and name (deterministic, at most 63 characters)
// and annotations keep where it came from. What CCI cannot take is left out: scheduling fields
// (the pod is already placed), and the cluster's service-account token volume. ConfigMaps and
// Secrets are referred to by their CCI copies' names (resource-sync.ts keeps the copies), and env
// from the pod's own fields is resolved here, since in CCI those fields hold the copy's values.
import { createHash } from 'node:crypto';
import type { V1EnvVar, V1Pod, V1Volume } from '@kubernetes/client-node';
import { podReferences, renameReferences, type PodReference } from './pod-references.js';
import { deepCopy } from './deep-copy.js';

export const ORIGIN_NAMESPACE = 'vkctl.io/origin-namespace';
export const ORIGIN_NAME = 'vkctl.io/origin-name';
export const ORIGIN_UID = 'vkctl.io/origin-uid';
/** The virtual node a CCI object belongs to: a runtime acts only on its own node's objects. */
export const NODE_ANNOTATION = 'vkctl.io/node';

const MAX_NAME = 63;

/**
 * The name in CCI's one namespace of the cluster's object `namespace/name` (a pod, or a ConfigMap or
 * Secret copy): `<namespace>.<name>`, or a shortened form with a hash when longer than 63
 * characters. A dot, because namespaces cannot hold one: `a-b/c` and `a/b-c` stay apart.
 */
export function cciPodName(namespace: string, name: string): string {
  const full = `${namespace}.${name}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 10);
  return `${full.slice(0, MAX_NAME - hash.length - 1).replace(/[-.]+$/, '')}-${hash}`;
}

export const cciObjectName = cciPodName;

/**
 * The token volume the ServiceAccount admission plugin adds to a pod (`kube-api-access-<random>`,
 * projected, with a serviceAccountToken source): the cluster's credentials, which a CCI pod does not
 * get. Known by what it is, not by its name alone: a user's own volume of such a name is kept, and
 * CCI's rules judge it like any other (a hostPath of that name fails the pod with the reason).
 */
const isServiceAccountToken = (volume: V1Volume) =>
  volume.name.startsWith('kube-api-access-') &&
  (volume.projected?.sources ?? []).some((source) => source.serviceAccountToken !== undefined);

/** metadata.labels['x'] and metadata.annotations['x'] */
const MAP_FIELD = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/**
 * An env var from the pod's own metadata, as its value in the cluster; undefined for the fields CCI
 * fills in itself (status.podIP, status.hostIP, resource limits).
 */
function podFieldValue(pod: V1Pod, fieldPath: string): string | undefined {
  const metadata = pod.metadata ?? {};
  const map = MAP_FIELD.exec(fieldPath);
  if (map) return (map[1] === 'labels' ? metadata.labels : metadata.annotations)?.[map[2] ?? ''] ?? '';
  const fields: Record<string, string | undefined> = {
    'metadata.name': metadata.name,
    'metadata.namespace': metadata.namespace,
    'metadata.uid': metadata.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
  };
  return fieldPath in fields ? (fields[fieldPath] ?? '') : undefined;
}

function resolveFieldRefs(pod: V1Pod, env: V1EnvVar[] | undefined): V1EnvVar[] | undefined {
  return env?.map((variable) => {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    const value = fieldPath === undefined ? undefined : podFieldValue(pod, fieldPath);
    return value === undefined ? variable : { name: variable.name, value };
  });
}

/** The ConfigMaps and Secrets the pod's CCI copy refers to (not the cluster token's kube-root-ca.crt). */
export function cciReferences(pod: V1Pod): PodReference[] {
  if (!pod.spec) return [];
  return podReferences({
    ...pod.spec,
    volumes: pod.spec.volumes?.filter((v) => !isServiceAccountToken(v)),
  });
}

export function toCciPod(pod: V1Pod): V1Pod {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const spec = deepCopy(pod.spec ?? { containers: [] });
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
  // The containers see the cluster pod's name as their hostname, not the CCI pod's.
  if (!spec.hostname && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) spec.hostname = name;
  const tokenVolumes = new Set((spec.volumes ?? []).filter(isServiceAccountToken).map((v) => v.name));
  spec.volumes = spec.volumes?.filter((v) => !tokenVolumes.has(v.name));
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    container.volumeMounts = container.volumeMounts?.filter((m) => !tokenVolumes.has(m.name));
    container.env = resolveFieldRefs(pod, container.env);
  }
  renameReferences(spec, (reference) => cciObjectName(namespace, reference.name));
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
        [NODE_ANNOTATION]: pod.spec?.nodeName ?? '',
      },
    },
    spec,
  };
}

/** Where a CCI pod came from, or undefined for a pod that is not ours (or not `nodeName`'s). */
export interface PodOrigin {
  namespace: string;
  name: string;
  uid: string;
}

export function originOf(cciPod: V1Pod, nodeName?: string): PodOrigin | undefined {
  const a = cciPod.metadata?.annotations ?? {};
  if (nodeName !== undefined && a[NODE_ANNOTATION] !== nodeName) return undefined;
  const [namespace, name, uid] = [a[ORIGIN_NAMESPACE], a[ORIGIN_NAME], a[ORIGIN_UID]];
  return namespace && name && uid ? { namespace, name, uid } : undefined;
}
