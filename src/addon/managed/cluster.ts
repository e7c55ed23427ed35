// What managed mode reads from Huawei Cloud before it asks CCE for anything: the cluster (its type
// and version decide which add-on versions it may run), the facts the add-on's values carry, and the
// virtual-kubelet template's versions offered for this cluster, newest first.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { MANAGED_ADDON_TEMPLATE, type CceCluster } from '../../cloud/cce.js';
import type { AddonTemplateVersion, CceAddonApi } from '../../cloud/cce-addons.js';
import { versionsFor } from '../../cloud/cce-addon-versions.js';
import type { CloudSession } from '../../cloud/session.js';
import { ConfigError, StateError } from '../../errors.js';
import type { ClusterFacts } from './values.js';

/** Where a managed-mode action works: the cluster's release records, and CCE. */
export interface ManagedTarget {
  kc: KubeConfig;
  /** The namespace vkctl keeps its release records in (as for its own runtime). */
  namespace: string;
  session: CloudSession;
  wait: boolean;
  timeoutMs: number;
  /** Between status polls; 2 s unless given. */
  pollMs?: number;
  progress: (message: string) => void;
}

export interface ManagedCluster {
  api: CceAddonApi;
  clusterId: string;
  cluster: CceCluster;
  /** The template's versions this cluster may run, newest first. */
  offered: AddonTemplateVersion[];
}

export function coreOf(target: ManagedTarget): CoreV1Api {
  return target.kc.makeApiClient(CoreV1Api);
}

export async function managedCluster(target: ManagedTarget): Promise<ManagedCluster> {
  const clusterId = target.session.clusterId;
  if (!clusterId)
    throw new ConfigError('a cluster ID is needed', {
      advice: { missing: [{ option: 'clusterId', env: 'VKCTL_CLUSTER_ID' }] },
    });
  const cce = await target.session.cce();
  const cluster = await cce.cluster(clusterId);
  const template = await cce.addon.template(MANAGED_ADDON_TEMPLATE, clusterId);
  const offered = template
    ? versionsFor(template, { type: cluster.spec.type, version: cluster.spec.version })
    : [];
  if (offered.length === 0)
    throw new StateError(
      `CCE offers no ${MANAGED_ADDON_TEMPLATE} add-on version for this cluster (${cluster.spec.type ?? 'type unknown'} ${cluster.spec.version ?? ''})`,
    );
  return { api: cce.addon, clusterId, cluster, offered };
}

/** The version asked for, or the newest offered; one CCE does not offer here is a usage error. */
export function chooseVersion(managed: ManagedCluster, asked: string | undefined): AddonTemplateVersion {
  const [newest] = managed.offered;
  if (!asked && newest) return newest;
  const found = managed.offered.find((v) => v.version === asked);
  if (!found)
    throw new ConfigError(
      `CCE does not offer ${MANAGED_ADDON_TEMPLATE} ${asked} for this cluster (${managed.cluster.spec.version}); offered: ${managed.offered.map((v) => v.version).join(', ')}`,
    );
  return found;
}

/** The facts the add-on's values carry, from CCE, VPC and IAM. */
export async function clusterFacts(target: ManagedTarget, managed: ManagedCluster): Promise<ClusterFacts> {
  const { cluster } = managed;
  const project = await target.session.project();
  const subnet = await (await target.session.vpc()).subnet(cluster.spec.hostNetwork.subnet);
  return {
    cluster_id: managed.clusterId,
    cluster_name: cluster.metadata.name,
    vpc_id: cluster.spec.hostNetwork.vpc,
    network_id: cluster.spec.hostNetwork.subnet,
    project_id: project.id,
    region: target.session.config.region ?? '',
    subnet_id: subnet.neutron_subnet_id,
  };
}
