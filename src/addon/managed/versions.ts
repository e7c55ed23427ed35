// `vkctl upgrade --list` in managed mode: the versions CCE offers for this cluster, newest first,
// and which one is installed (the console's version drop-down).
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import { currentRelease } from '../release-store.js';
import { coreOf, managedCluster, type ManagedTarget } from './cluster.js';

export interface OfferedVersion {
  version: string;
  installed: boolean;
  /** The cluster versions it supports, as CCE's template writes them (regular expressions). */
  clusterVersions: string[];
}

export async function offeredVersions(target: ManagedTarget): Promise<OfferedVersion[]> {
  const record = await currentRelease(coreOf(target), target.namespace);
  const managed = await managedCluster(target);
  const instance = record?.addonId
    ? await managed.api.find(managed.clusterId, MANAGED_ADDON_TEMPLATE)
    : undefined;
  const installed = instance?.status?.currentVersion?.version ?? instance?.spec.version;
  return managed.offered.map((v) => ({
    version: v.version,
    installed: v.version === installed,
    clusterVersions: (v.supportVersions ?? []).flatMap((s) =>
      s.clusterVersion.map((c) => `${s.clusterType} ${c}`),
    ),
  }));
}
