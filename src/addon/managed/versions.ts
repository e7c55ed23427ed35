// `vkctl upgrade --list` in managed mode, and `install --managed --list` before install: the versions CCE offers for this cluster, newest first,
// and which one is installed (the console's version drop-down).
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import { managedCluster, type ManagedTarget } from './cluster.js';

export interface OfferedVersion {
  version: string;
  installed: boolean;
  /** The cluster versions it supports, as CCE's template writes them (regular expressions). */
  clusterVersions: string[];
}

export async function offeredVersions(target: ManagedTarget): Promise<OfferedVersion[]> {
  const managed = await managedCluster(target);
  // The instance CCE has, whoever installed it (before install: one installed in the console).
  const instance = await managed.api.find(managed.clusterId, MANAGED_ADDON_TEMPLATE);
  const installed = instance?.status?.currentVersion?.version ?? instance?.spec.version;
  return managed.offered.map((v) => ({
    version: v.version,
    installed: v.version === installed,
    clusterVersions: (v.supportVersions ?? []).flatMap((s) =>
      s.clusterVersion.map((c) => `${s.clusterType} ${c}`),
    ),
  }));
}
