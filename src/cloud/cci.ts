// CCI 1.0's Kubernetes-compatible API, signed like every Huawei API and scoped by X-Project-Id.
// The add-on keeps its pods in one namespace per cluster, `cce-burst-<clusterID>`.
import type { V1Namespace, V1NamespaceList } from '@kubernetes/client-node';
import { CloudApiError, type CloudClient } from './http.js';

export interface CciNetwork {
  metadata?: { name?: string };
  spec?: { cidr?: string; subnetID?: string; networkID?: string; attachedVPC?: string; networkType?: string };
  status?: { state?: string; message?: string };
}

export function burstNamespace(clusterId: string): string {
  return `cce-burst-${clusterId}`;
}

export class CciApi {
  constructor(
    private readonly client: CloudClient,
    private readonly projectId: string,
  ) {}

  namespaces(): Promise<V1NamespaceList> {
    return this.client.request<V1NamespaceList>({ path: '/api/v1/namespaces', projectId: this.projectId });
  }

  async namespace(name: string): Promise<V1Namespace | undefined> {
    try {
      return await this.client.request<V1Namespace>({
        path: `/api/v1/namespaces/${name}`,
        projectId: this.projectId,
      });
    } catch (error) {
      if (error instanceof CloudApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Deletes a namespace with everything in it; false when it did not exist. */
  async deleteNamespace(name: string): Promise<boolean> {
    try {
      await this.client.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${name}`,
        projectId: this.projectId,
      });
      return true;
    } catch (error) {
      if (error instanceof CloudApiError && error.status === 404) return false;
      throw error;
    }
  }

  async networks(namespace: string): Promise<CciNetwork[]> {
    const list = await this.client.request<{ items?: CciNetwork[] }>({
      path: `/apis/networking.cci.io/v1beta1/namespaces/${namespace}/networks`,
      projectId: this.projectId,
    });
    return list.items ?? [];
  }
}
