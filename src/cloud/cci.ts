// CCI 1.0's Kubernetes-compatible API, signed like every Huawei API and scoped by X-Project-Id.
// The add-on keeps its pods in one namespace per cluster, `cce-burst-<clusterID>`.
import type {
  CoreV1Event,
  KubernetesListObject,
  KubernetesObject,
  V1Namespace,
  V1NamespaceList,
  V1Pod,
  V1PodList,
} from '@kubernetes/client-node';
import { CCI_NOT_AUTHORIZED } from './cci-error-codes.js';
import { CloudApiError, type CloudClient } from './http.js';

/** Silence after which a watch's connection is taken for dead (the server ends one at 300 s). */
const WATCH_IDLE_TIMEOUT_MS = 330_000;

/** networking.cci.io/v1beta1 Network (CCI-DOCS 创建Network.md). */
export interface CciNetwork {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: {
    cidr?: string;
    subnetID?: string;
    networkID?: string;
    attachedVPC?: string;
    networkType?: string;
    availableZone?: string;
  };
  status?: { state?: string; message?: string };
}

/** The account has not authorized CCI (CCI.01.401102, or CCI.01.404101 which is a 404). */
export function isCciNotAuthorized(error: unknown): error is CloudApiError {
  return (
    error instanceof CloudApiError && error.service === 'cci' && CCI_NOT_AUTHORIZED.includes(error.code ?? '')
  );
}

/** A 404 that means the object is not there, not "CCI is not authorized". */
function isNotFound(error: unknown): boolean {
  return error instanceof CloudApiError && error.status === 404 && !isCciNotAuthorized(error);
}

/**
 * A 404 that is Kubernetes' own for a path CCI does not serve (an API its docs do not list): no CCI
 * errorCode, which CCI's own 404s (CCI.01.404101, not authorized) carry.
 */
export function isUnservedApi(error: unknown): boolean {
  return error instanceof CloudApiError && error.status === 404 && !error.code?.startsWith('CCI.');
}

/** CCI namespace names are unique across all accounts: a 409 for a name this account cannot see. */
export class CciNamespaceTakenError extends Error {}

/** metrics.k8s.io/v1beta1 PodMetrics: usage over `window`, CPU as a quantity of cores. */
export interface CciPodMetrics extends KubernetesObject {
  timestamp?: string;
  window?: string;
  containers?: { name: string; usage?: { cpu?: string; memory?: string } }[];
}

/** Namespaces per region per account (CCI user guide cci_01_0001, 2025-07). */
export const CCI_NAMESPACE_QUOTA = 5;

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
      if (isNotFound(error)) return undefined;
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
      if (isNotFound(error)) return false;
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

  /**
   * Creates the namespace (flavor general-computing, the only one offered); true when created, false
   * when this account has it already. A 409 for a name this account cannot read is another
   * account's: CciNamespaceTakenError.
   */
  async ensureNamespace(name: string): Promise<boolean> {
    try {
      await this.client.request({
        method: 'POST',
        path: '/api/v1/namespaces',
        projectId: this.projectId,
        body: {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name, annotations: { 'namespace.kubernetes.io/flavor': 'general-computing' } },
        },
      });
      return true;
    } catch (error) {
      if (!(error instanceof CloudApiError && error.status === 409)) throw error;
      if (await this.namespace(name)) return false;
      throw new CciNamespaceTakenError(
        `CCI namespace ${name} belongs to another account (CCI namespace names are unique across all accounts): choose another as the add-on’s cciNamespace value`,
        { cause: error },
      );
    }
  }

  /** Creates a Network in the namespace unless one exists; CCI needs one before it takes pods. */
  async ensureNetwork(namespace: string, network: CciNetwork): Promise<void> {
    try {
      await this.client.request({
        method: 'POST',
        path: `/apis/networking.cci.io/v1beta1/namespaces/${namespace}/networks`,
        projectId: this.projectId,
        body: { apiVersion: 'networking.cci.io/v1beta1', kind: 'Network', ...network },
      });
    } catch (error) {
      if (!(error instanceof CloudApiError && error.status === 409)) throw error;
    }
  }

  createPod(namespace: string, pod: V1Pod): Promise<V1Pod> {
    return this.client.request<V1Pod>({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/pods`,
      projectId: this.projectId,
      body: pod,
    });
  }

  async deletePod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<boolean> {
    try {
      await this.client.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${namespace}/pods/${name}`,
        projectId: this.projectId,
        body: gracePeriodSeconds === undefined ? undefined : { gracePeriodSeconds },
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  listPods(namespace: string): Promise<V1PodList> {
    return this.client.request<V1PodList>({
      path: `/api/v1/namespaces/${namespace}/pods`,
      projectId: this.projectId,
    });
  }

  /** Pod events from `resourceVersion` on, until `signal` aborts or the server closes the watch. */
  watchPods(
    namespace: string,
    resourceVersion: string,
    signal: AbortSignal,
  ): AsyncGenerator<{ type: string; object: V1Pod }> {
    return this.watch<V1Pod>(namespace, 'pods', resourceVersion, signal);
  }

  /** A container's log as CCI streams it; `query` takes the kubelet's log parameters as they are. */
  podLog(
    namespace: string,
    name: string,
    query: Record<string, string | undefined>,
    signal: AbortSignal,
  ): Promise<AsyncIterable<Uint8Array>> {
    return this.client.stream(
      { path: `/api/v1/namespaces/${namespace}/pods/${name}/log`, query, projectId: this.projectId },
      signal,
    );
  }

  /**
   * Usage of the namespace's running pods, per container, from CCI's metrics API (Kubernetes'
   * metrics.k8s.io shape; unverified against the real CCI).
   */
  podMetrics(namespace: string): Promise<KubernetesListObject<CciPodMetrics>> {
    return this.client.request<KubernetesListObject<CciPodMetrics>>({
      path: `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods`,
      projectId: this.projectId,
    });
  }

  /** The signed WebSocket request for a pod's exec or attach, as Kubernetes' API takes them. */
  podUpgradeRequest(
    namespace: string,
    name: string,
    subresource: 'exec' | 'attach',
    query: Record<string, string | string[]>,
  ): { url: URL; headers: Record<string, string> } {
    return this.client.signedUpgrade({
      path: `/api/v1/namespaces/${namespace}/pods/${name}/${subresource}`,
      query,
      projectId: this.projectId,
    });
  }

  listEvents(namespace: string): Promise<KubernetesListObject<CoreV1Event>> {
    return this.list<CoreV1Event>(namespace, 'events');
  }

  watchEvents(
    namespace: string,
    resourceVersion: string,
    signal: AbortSignal,
  ): AsyncGenerator<{ type: string; object: CoreV1Event }> {
    return this.watch<CoreV1Event>(namespace, 'events', resourceVersion, signal);
  }

  /** Objects of a core resource (`configmaps`, `secrets`, `events`) in a namespace. */
  list<T extends KubernetesObject>(
    namespace: string,
    resource: string,
    labelSelector?: string,
  ): Promise<KubernetesListObject<T>> {
    return this.client.request<KubernetesListObject<T>>({
      path: `/api/v1/namespaces/${namespace}/${resource}`,
      query: { labelSelector },
      projectId: this.projectId,
    });
  }

  /** Creates the object, or replaces it when it exists. */
  async put<T extends KubernetesObject>(namespace: string, resource: string, object: T): Promise<void> {
    const name = object.metadata?.name ?? '';
    try {
      await this.client.request({
        method: 'PUT',
        path: `/api/v1/namespaces/${namespace}/${resource}/${name}`,
        projectId: this.projectId,
        body: object,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.request({
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/${resource}`,
        projectId: this.projectId,
        body: object,
      });
    }
  }

  /** Deletes an object; false when it did not exist. */
  async remove(namespace: string, resource: string, name: string): Promise<boolean> {
    try {
      await this.client.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${namespace}/${resource}/${name}`,
        projectId: this.projectId,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private async *watch<T>(
    namespace: string,
    resource: string,
    resourceVersion: string,
    signal: AbortSignal,
  ): AsyncGenerator<{ type: string; object: T }> {
    const lines = this.client.lines(
      {
        path: `/api/v1/namespaces/${namespace}/${resource}`,
        // The server ends the watch after 5 minutes and the caller lists again: a connection that
        // died without a word cannot leave a cache stale for longer than that.
        query: { watch: 'true', resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: '300' },
        projectId: this.projectId,
      },
      signal,
      // The server ends a healthy watch at 300 s, so 330 s without a byte means the connection died.
      WATCH_IDLE_TIMEOUT_MS,
    );
    for await (const line of lines) {
      if (line.trim()) yield JSON.parse(line) as { type: string; object: T };
    }
  }
}
