// What prune and uninstall may delete: only objects this release made. A release record lists what
// was applied, but a record can be edited, restored from elsewhere or corrupt, so each object is
// read first and deleted only if it carries vkctl's managed-by label and, where it has one, this
// release's namespace label. Anything else is left, and said so.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Applier } from '../kube/apply.js';
import { MANAGED_BY_LABEL, RELEASE_NAMESPACE_LABEL } from '../shared/names.js';
import { describeRef, type ObjectRef } from './render.js';

/** Why `live` is not this release's to delete, or undefined when it is. */
export function notOurs(live: KubernetesObject, namespace: string): string | undefined {
  const labels = live.metadata?.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== 'vkctl') return `it has no ${MANAGED_BY_LABEL}=vkctl label`;
  const owner = labels[RELEASE_NAMESPACE_LABEL];
  if (owner !== undefined && owner !== namespace) return `it belongs to the release in ${owner}`;
  return undefined;
}

/** Deletes the object if it is this release's; true when it was deleted. */
export async function deleteIfOurs(
  applier: Applier,
  ref: ObjectRef,
  namespace: string,
  progress: (message: string) => void,
): Promise<boolean> {
  const object = {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
  };
  const live = await applier.read(object);
  if (!live) return false;
  const reason = notOurs(live, namespace);
  if (reason) {
    progress(`left ${describeRef(ref)}: ${reason}`);
    return false;
  }
  return applier.delete(object);
}
