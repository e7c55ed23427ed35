// The ConfigMaps and Secrets a pod uses (volumes, projected volumes, env, envFrom, imagePullSecrets),
// and the same places renamed to their copies in CCI. One walk over the spec serves both, so the
// references synced and the references rewritten cannot disagree.
import type { V1PodSpec } from '@kubernetes/client-node';

export type ReferenceKind = 'configmap' | 'secret';

export interface PodReference {
  kind: ReferenceKind;
  name: string;
}

type Visit = (kind: ReferenceKind, name: string) => string;

/** Calls `visit` on every reference, replacing each name with what it returns. */
function walk(spec: V1PodSpec, visit: Visit): void {
  for (const volume of spec.volumes ?? []) {
    if (volume.configMap?.name) volume.configMap.name = visit('configmap', volume.configMap.name);
    if (volume.secret?.secretName) volume.secret.secretName = visit('secret', volume.secret.secretName);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap?.name) source.configMap.name = visit('configmap', source.configMap.name);
      if (source.secret?.name) source.secret.name = visit('secret', source.secret.name);
    }
  }
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    for (const env of container.env ?? []) {
      const from = env.valueFrom;
      if (from?.configMapKeyRef?.name)
        from.configMapKeyRef.name = visit('configmap', from.configMapKeyRef.name);
      if (from?.secretKeyRef?.name) from.secretKeyRef.name = visit('secret', from.secretKeyRef.name);
    }
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef?.name) source.configMapRef.name = visit('configmap', source.configMapRef.name);
      if (source.secretRef?.name) source.secretRef.name = visit('secret', source.secretRef.name);
    }
  }
  for (const pullSecret of spec.imagePullSecrets ?? []) {
    if (pullSecret.name) pullSecret.name = visit('secret', pullSecret.name);
  }
}

/** Each ConfigMap and Secret the pod refers to, once. */
export function podReferences(spec: V1PodSpec | undefined): PodReference[] {
  if (!spec) return [];
  const seen = new Map<string, PodReference>();
  walk(structuredClone(spec), (kind, name) => {
    seen.set(`${kind}/${name}`, { kind, name });
    return name;
  });
  return [...seen.values()];
}

/** Renames every reference in `spec` (in place) with `rename`. */
export function renameReferences(spec: V1PodSpec, rename: (reference: PodReference) => string): void {
  walk(spec, (kind, name) => rename({ kind, name }));
}
