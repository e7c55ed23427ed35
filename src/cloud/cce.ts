// CCE v3: the cluster (network mode, CIDRs, version, phase) and its add-on instances. The add-on
// API in full (templates, create, update, delete) is CceAddonApi, in cce-addons.ts.
import { CceAddonApi } from './cce-addons.js';
import type { CloudClient } from './http.js';

export type NetworkMode = 'vpc-router' | 'eni' | 'overlay_l2';

export interface CceCluster {
  metadata: { name: string; uid: string };
  spec: {
    category?: string;
    /** VirtualMachine, ARM64…: what an add-on version's supportVersions name as clusterType. */
    type?: string;
    version?: string;
    kubernetesSvcIpRange?: string;
    /** SecurityGroup: the cluster's default node security group (CCE API, HostNetwork). */
    hostNetwork: { vpc: string; subnet: string; SecurityGroup?: string };
    // A NetworkMode, or another mode a newer CCE may report.
    containerNetwork: { mode: string; cidr?: string; cidrs?: { cidr: string }[] };
    eniNetwork?: { eniSubnetId?: string; eniSubnetCIDR?: string; subnets?: { subnetID: string }[] };
  };
  status: { phase: string; message?: string };
}

export interface CceAddon {
  metadata: { uid: string; name: string };
  spec: { clusterID: string; version: string; addonTemplateName: string };
  status?: { status?: string };
}

/** Huawei's own bursting add-on, which must not run beside vkctl. */
export const MANAGED_ADDON_TEMPLATE = 'virtual-kubelet';

export class CceApi {
  constructor(
    private readonly client: CloudClient,
    private readonly projectId: string,
  ) {}

  cluster(clusterId: string): Promise<CceCluster> {
    return this.client.request<CceCluster>({
      path: `/api/v3/projects/${this.projectId}/clusters/${clusterId}`,
    });
  }

  /** The add-on API: templates and instances. */
  get addon(): CceAddonApi {
    return new CceAddonApi(this.client, this.projectId);
  }

  async addons(clusterId: string): Promise<CceAddon[]> {
    const list = await this.client.request<{ items?: CceAddon[] }>({
      path: '/api/v3/addons',
      query: { cluster_id: clusterId },
      projectId: this.projectId,
    });
    return list.items ?? [];
  }
}
