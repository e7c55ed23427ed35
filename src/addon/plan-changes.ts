// What an upgrade would change, asked of the server: each object applied in a dry run and compared
// with the live one (Secret contents redacted), and what the previous revision had and this one
// does not, which the upgrade would prune.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { Applier } from '../kube/apply.js';
import { describeRef, refOf, type ObjectRef } from './render.js';

export interface ObjectChange {
  object: string;
  change: 'add' | 'change' | 'remove';
  /** A unified diff of the live object and what would be applied, for changes. */
  diff?: string;
}

/** What applying `objects` over the previous revision would change, asked of the server (dry run). */
export async function planChanges(
  kc: KubeConfig,
  objects: KubernetesObject[],
  previous: readonly ObjectRef[],
): Promise<ObjectChange[]> {
  const applier = new Applier(kc);
  const strip = (o: KubernetesObject | undefined) => {
    if (!o) return '';
    const copy = structuredClone(o) as KubernetesObject & { status?: unknown; data?: Record<string, string> };
    delete copy.status;
    const { name, namespace, labels, annotations } = copy.metadata ?? {};
    copy.metadata = { name, namespace, labels, annotations };
    if (copy.kind === 'Secret' && copy.data)
      for (const key of Object.keys(copy.data)) copy.data[key] = '<redacted>';
    return stringify(copy);
  };
  const changes: ObjectChange[] = [];
  for (const object of objects) {
    const name = describeRef(refOf(object));
    const live = await applier.read(object);
    if (!live) {
      changes.push({ object: name, change: 'add' });
      continue;
    }
    const [before, after] = [strip(live), strip(await applier.apply(object, { dryRun: true }))];
    if (before !== after)
      changes.push({
        object: name,
        change: 'change',
        diff: createTwoFilesPatch(`${name} (live)`, `${name} (new)`, before, after),
      });
  }
  const keep = new Set(objects.map((o) => describeRef(refOf(o))));
  for (const ref of previous)
    if (!keep.has(describeRef(ref))) changes.push({ object: describeRef(ref), change: 'remove' });
  return changes;
}
