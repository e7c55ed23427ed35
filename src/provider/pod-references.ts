// The ConfigMaps and Secrets a pod uses (volumes, projected volumes, env, envFrom, imagePullSecrets),
// and the same places renamed to their copies in CCI. One walk over the spec serves both, so the
// references synced and the references rewritten cannot disagree.
import type { V1PodSpec } from '@kubernetes/client-node';

export type ReferenceKind = 'configmap' | 'secret';

export interface PodReference {
  kind: ReferenceKind;
  name: string;
  /**
   * Every use of it is marked `optional: true`: the pod starts without it, so it missing is not
   * missing anything the pod needs.
   */
  optional?: boolean;
}

type Visit = (kind: ReferenceKind, name: string, optional: boolean) => string;

/** Calls `visit` on every reference, replacing each name with what it returns. */
function walk(spec: V1PodSpec, visit: Visit): void {
  // Only `optional: true` makes a reference optional; unset is mandatory, as in Kubernetes.
  const optional = (source: { optional?: boolean }) => source.optional === true;
  for (const volume of spec.volumes ?? []) {
    const { configMap, secret } = volume;
    if (configMap?.name) configMap.name = visit('configmap', configMap.name, optional(configMap));
    if (secret?.secretName) secret.secretName = visit('secret', secret.secretName, optional(secret));
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap?.name)
        source.configMap.name = visit('configmap', source.configMap.name, optional(source.configMap));
      if (source.secret?.name)
        source.secret.name = visit('secret', source.secret.name, optional(source.secret));
    }
  }
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    for (const env of container.env ?? []) {
      const from = env.valueFrom;
      if (from?.configMapKeyRef?.name)
        from.configMapKeyRef.name = visit(
          'configmap',
          from.configMapKeyRef.name,
          optional(from.configMapKeyRef),
        );
      if (from?.secretKeyRef?.name)
        from.secretKeyRef.name = visit('secret', from.secretKeyRef.name, optional(from.secretKeyRef));
    }
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef?.name)
        source.configMapRef.name = visit(
          'configmap',
          source.configMapRef.name,
          optional(source.configMapRef),
        );
      if (source.secretRef?.name)
        source.secretRef.name = visit('secret', source.secretRef.name, optional(source.secretRef));
    }
  }
  // A pull secret that does not exist is not waited for: a kubelet pulls without it (it only warns,
  // "Unable to retrieve some image pull secrets"), so it is not missing anything the pod needs.
  for (const pullSecret of spec.imagePullSecrets ?? []) {
    if (pullSecret.name) pullSecret.name = visit('secret', pullSecret.name, true);
  }
}

/** Each ConfigMap and Secret the pod refers to, once: optional only where every use of it is. */
export function podReferences(spec: V1PodSpec | undefined): PodReference[] {
  if (!spec) return [];
  const seen = new Map<string, PodReference>();
  // The pod's own spec, not a copy (a copy per pod was a cost of its own in a burst): each name is
  // given back as it is, so nothing in it changes.
  walk(spec, (kind, name, optional) => {
    const key = `${kind}/${name}`;
    const mandatory = seen.has(key) ? seen.get(key)?.optional !== true : false;
    seen.set(key, { kind, name, ...(optional && !mandatory ? { optional: true } : {}) });
    return name;
  });
  return [...seen.values()];
}

/** Renames every reference in `spec` (in place) with `rename`. */
export function renameReferences(spec: V1PodSpec, rename: (reference: PodReference) => string): void {
  walk(spec, (kind, name) => rename({ kind, name }));
}
