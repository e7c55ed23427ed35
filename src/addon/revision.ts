// What upgrade and rollback share: the target they act on, the revision a change starts from, and
// deploying an earlier revision's version and values again as a new one (a rollback, asked for or
// after a failed upgrade). Records go through the target's release store and the cluster through
// its RevisionCluster (revision-cluster.ts), so both actions run on fakes in unit tests.
import type { KubeConfig } from '@kubernetes/client-node';
import { StateError } from '../errors.js';
import { DEFAULT_NODE_NAME } from '../shared/names.js';
import { changeBase } from './release-decisions.js';
import { pruneStore, type ReleaseRecord, type ReleaseStore, type RuntimeRecord } from './release-store.js';
import { refOf, type ObjectRef } from './render.js';
import { clusterOf, storeOf, type RevisionCluster } from './revision-cluster.js';
import { resolveValues, type AddonCredentials } from './values.js';
import { WaitTimeoutError } from './wait.js';

export interface LifecycleTarget {
  kc: KubeConfig;
  namespace: string;
  wait: boolean;
  timeoutMs: number;
  manifestsRoot?: string | readonly string[];
  progress: (message: string) => void;
  /** New credentials; the installed ones are kept when absent. */
  credentials?: AddonCredentials;
  /** Where the release records are; default: the namespace's Secrets. */
  releases?: ReleaseStore;
  /** What acts on the cluster; default: the kubeconfig's (revision-cluster.ts). */
  cluster?: RevisionCluster;
}

export async function deployed(
  target: LifecycleTarget,
): Promise<{ all: ReleaseRecord[]; current: RuntimeRecord }> {
  const all = await storeOf(target).list();
  // The deployed revision; after a rollback that failed, none is, and the failed one is current
  // (as helm lets a failed release be upgraded or rolled back).
  const current = changeBase(all);
  if (!current) throw new StateError(`vkctl is not installed in ${target.namespace}: use vkctl install`);
  if (current.unreadable)
    throw new StateError(
      `${current.unreadable}: nothing can be changed from it (restore the Secret, or uninstall and install again)`,
    );
  // The commands send a managed release to managed/; this is the guard should one come here.
  if (current.mode === 'managed')
    throw new StateError(
      `Huawei's managed add-on is installed through vkctl in ${target.namespace}: CCE upgrades and rolls it back (vkctl upgrade follows it; rollback is the CCE console's)`,
    );
  return { all, current };
}

/** Deploys `target`'s version and values again as a new revision. */
export async function redeploy(
  request: LifecycleTarget,
  target: ReleaseRecord,
  replacing: readonly ObjectRef[],
  revision: number,
): Promise<RuntimeRecord> {
  if (target.mode === 'managed')
    throw new StateError(
      `revision ${target.revision} is of Huawei's managed add-on: vkctl cannot redeploy it`,
    );
  const store = storeOf(request);
  const cluster = clusterOf(request);
  // The recorded values over the version's defaults (a key the record lacks gets its default).
  const values = resolveValues(target.version, {}, target.values);
  const objects = await cluster.render(target.version, values);
  const record: RuntimeRecord = {
    revision,
    version: target.version,
    status: 'pending-rollback',
    values: target.values,
    valuesDigest: target.valuesDigest,
    objects: objects.map(refOf),
    description: `Rollback to ${target.revision}`,
  };
  await store.save(record);
  await cluster.deploy(objects, replacing);
  for (const r of await store.list()) {
    if (r.status === 'deployed') await store.save({ ...r, status: 'superseded' });
  }
  const done: RuntimeRecord = { ...record, status: 'deployed' };
  await store.save(done);
  await pruneStore(store);
  return done;
}

/** Waits for a redeployed revision when asked to; says why it is not ready, or undefined. */
export async function readiness(
  request: LifecycleTarget,
  record: RuntimeRecord,
): Promise<string | undefined> {
  if (!request.wait) return undefined;
  try {
    await clusterOf(request).waitReady(record.values.nodeName ?? DEFAULT_NODE_NAME);
    return undefined;
  } catch (error) {
    if (error instanceof WaitTimeoutError) return error.message;
    throw error;
  }
}
