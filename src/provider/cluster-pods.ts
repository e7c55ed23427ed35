// The cluster side of the pod controller: the pods bound to the virtual node, read from an informer,
// and the three writes the controller makes (a status, a Warning event, the final removal). Narrow
// so that the controller's decisions can be tested against a fake (test/support/fake-cluster-pods.ts)
// without a control plane; ApiClusterPods is the real one, over the apiserver.
import {
  CoreV1Api,
  PatchStrategy,
  type KubeConfig,
  type V1Pod,
  type V1PodStatus,
} from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../kube/errors.js';
import { startInformer, withoutManagedFields, type RunningInformer } from '../kube/informer.js';
import { sendPlain } from '../kube/plain-request.js';
import { errorText, type Logger } from './logger.js';

export interface ClusterPods {
  /** Watches the node's pods; `changed` for every add, update and delete. Resolves once listed. */
  start(changed: (pod: V1Pod) => void): Promise<void>;
  stop(): Promise<void>;
  get(namespace: string, name: string): V1Pod | undefined;
  list(namespace?: string): readonly V1Pod[];
  /** Merges `status` into the pod's, if it is still that pod (its uid); one gone or replaced is left. */
  patchStatus(pod: V1Pod, status: V1PodStatus): Promise<void>;
  /** A Warning event about the pod, from the runtime on this node. */
  warn(pod: V1Pod, reason: string, message: string): Promise<void>;
  /** Removes the pod from the API at once (its counterpart has gone); one gone or replaced is left. */
  remove(pod: V1Pod): Promise<void>;
}

const gone = (error: unknown) => {
  if (!isNotFound(error) && !isConflict(error)) throw error;
};

export class ApiClusterPods implements ClusterPods {
  private readonly core: CoreV1Api;
  private informer: RunningInformer<V1Pod> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly nodeName: string,
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async start(changed: (pod: V1Pod) => void): Promise<void> {
    const fieldSelector = `spec.nodeName=${this.nodeName}`;
    this.informer = startInformer<V1Pod>(
      this.kc,
      '/api/v1/pods',
      () => this.core.listPodForAllNamespaces({ fieldSelector }),
      {
        add: changed,
        update: changed,
        delete: changed,
        error: (e) => this.log.warn('pod watch interrupted', { error: errorText(e) }),
      },
      { fieldSelector, transform: withoutManagedFields },
    );
    await this.informer.synced;
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }

  get(namespace: string, name: string): V1Pod | undefined {
    return this.informer?.get(name, namespace);
  }

  list(namespace?: string): readonly V1Pod[] {
    return this.informer?.list(namespace) ?? [];
  }

  async patchStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    // A plain merge patch (plain-request.ts): client-node's round trip through its model classes,
    // the returned pod included, was the largest CPU cost per pod.
    const { namespace = '', name = '', uid } = pod.metadata ?? {};
    await sendPlain(this.kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/status`,
      contentType: PatchStrategy.MergePatch,
      body: { metadata: { uid }, status },
    }).catch(gone);
  }

  async warn(pod: V1Pod, reason: string, message: string): Promise<void> {
    const { namespace = '', name = '', uid } = pod.metadata ?? {};
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace, uid },
        reason,
        message,
        type: 'Warning',
        source: { component: 'vkctl-provider', host: this.nodeName },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }

  async remove(pod: V1Pod): Promise<void> {
    const { namespace = '', name = '', uid } = pod.metadata ?? {};
    await this.core
      .deleteNamespacedPod({ name, namespace, body: { gracePeriodSeconds: 0, preconditions: { uid } } })
      .catch(gone);
  }
}
