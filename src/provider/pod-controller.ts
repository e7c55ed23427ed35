// Moves pods bound to the virtual node to a pod provider (pod-provider.ts; CCI in the product) and
// keeps the two sides true to each other. Both sides are cached (the cluster's pods on the node,
// cluster-pods.ts; the provider's own) and every change on either side queues the pod's key; one
// reconcile per key compares the two and acts:
// - a new pod is handed to the provider; one the provider can never run (Permanent) fails with
//   reason ProviderFailed and an event, with the provider's reason;
// - the provider's status is reflected onto the pod, with the node's address as its hostIP;
// - a pod being deleted has its counterpart deleted with the same grace period, and is removed from
//   the API once the provider has let it go; a counterpart whose cluster pod is gone is deleted (a
//   leak);
// - a pod whose counterpart vanished after running fails with reason NotFound.
// Anything else that fails (Transient, or unclassified) is retried with backoff and never fails a
// pod. After a restart both sides are listed again before anything is decided, so nothing is
// created twice or left behind. The controller knows Kubernetes only: no HTTP status, no cloud.
import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterPods } from './cluster-pods.js';
import * as errdefs from './errdefs.js';
import { errorText, type Logger } from './logger.js';
import type { ProviderMetrics } from './metrics.js';
import type { PodProvider, ProviderPod } from './pod-provider.js';
import { WorkQueue } from './work-queue.js';

export interface PodControllerOptions {
  nodeName: string;
  /** The node's InternalIP: a pod's hostIP, as a kubelet reports its node's address. */
  nodeAddress: string;
  log: Logger;
  metrics?: ProviderMetrics;
  /** Pods reconciled at once. */
  concurrency?: number;
  /** The queue's first retry delay (the queue's default when absent). */
  minBackoffMs?: number;
}

/**
 * Pods reconciled at once. A worker waits on the apiserver (a status write) or CCI (a creation)
 * most of the time, so the count bounds how many of those are in flight. With 32, a pass through
 * the queue waited 0.07-0.33 s on average in a burst in memory and 2.65-13.09 s through the CCI
 * emulator; with 64, 0.03-0.07 s and 0.48-8.13 s in the same runs, and pods/s rose
 * (docs/benchmarks.md, item 13).
 */
export const DEFAULT_POD_WORKERS = 64;

const keyOf = (namespace: string | undefined, name: string | undefined) => `${namespace}/${name}`;

export class PodController {
  private readonly queue: WorkQueue;
  /** Pod key → its uid and the provider pod version whose status was last written to it. */
  private readonly reflected = new Map<string, { uid: string; version: string }>();

  constructor(
    private readonly pods: ClusterPods,
    private readonly provider: PodProvider,
    private readonly options: PodControllerOptions,
  ) {
    const { log } = options;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      concurrency: options.concurrency ?? DEFAULT_POD_WORKERS,
      minBackoffMs: options.minBackoffMs,
      onError: (key, error, retryInMs) => {
        options.metrics?.podOperations.inc({ operation: 'retried' });
        log.warn('pod reconcile failed; retrying', { pod: key, error: errorText(error), retryInMs });
      },
      onTaken: (waitedMs) => options.metrics?.queueWait.observe(waitedMs / 1000),
    });
  }

  async start(): Promise<void> {
    const enqueue = (pod: V1Pod) => {
      // Only the node's pods are watched; one bound elsewhere is none of this node's business.
      if (pod.spec?.nodeName === this.options.nodeName)
        this.queue.add(keyOf(pod.metadata?.namespace, pod.metadata?.name));
    };
    try {
      await Promise.all([
        this.pods.start(enqueue),
        this.provider.start(({ namespace, name }) => this.queue.add(keyOf(namespace, name))),
      ]);
      await this.provider.resume(this.pods.list());
    } catch (error) {
      // Neither side is left watching when the controller does not start.
      await Promise.all([this.pods.stop(), this.provider.stop()]);
      throw error;
    }
    // Every pod on both sides gets one look: new ones are created, leaked ones deleted. Only now
    // does the queue run: before both lists are in, "no counterpart" could mean "not listed yet".
    for (const pod of this.pods.list()) enqueue(pod);
    for (const { namespace, name } of this.provider.list()) this.queue.add(keyOf(namespace, name));
    this.queue.start();
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await Promise.all([this.pods.stop(), this.provider.stop()]);
  }

  /** Resolves once nothing is queued or being reconciled (tests, benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  get queueDepth(): number {
    return this.queue.depth;
  }

  /** The pods bound to the node, from the cache. */
  list(): readonly V1Pod[] {
    return this.pods.list();
  }

  podsByPhase(): Map<string, number> {
    const phases = new Map<string, number>();
    for (const pod of this.pods.list()) {
      const phase = pod.status?.phase ?? 'Pending';
      phases.set(phase, (phases.get(phase) ?? 0) + 1);
    }
    return phases;
  }

  private async reconcile(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const found = this.pods.get(namespace, name);
    const pod = found?.spec?.nodeName === this.options.nodeName ? found : undefined;
    const counterpart = this.provider.get(namespace, name);
    const ours = counterpart?.uid !== undefined;

    if (!pod) {
      // Gone from the cluster: its counterpart, if one is left, is a leak.
      if (ours && !counterpart.deleting) await this.deleteCounterpart(namespace, name, 0);
      this.reflected.delete(key);
      this.provider.forget(namespace, name);
      return;
    }
    const uid = pod.metadata?.uid ?? '';
    if (pod.metadata?.deletionTimestamp) {
      if (!counterpart) await this.pods.remove(pod);
      else if (ours && !counterpart.deleting)
        await this.deleteCounterpart(namespace, name, pod.metadata.deletionGracePeriodSeconds);
      return;
    }
    const podName = () => this.provider.podName(namespace, name);
    if (counterpart && counterpart.uid !== uid) {
      // One of the same name: an earlier pod of that name (a StatefulSet's), or not ours at all.
      if (!ours)
        await this.fail(
          pod,
          `a ${this.provider.name} pod named ${podName()} exists that vkctl did not create`,
        );
      else if (!counterpart.deleting) await this.deleteCounterpart(namespace, name, 0);
      return; // its deletion queues this key again
    }
    if (counterpart) {
      await this.reflect(pod, counterpart);
      await this.provider.tend(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (this.reflected.get(key)?.uid === uid || pod.status?.podIP) {
      // It ran there and its counterpart is gone without being asked to go.
      await this.fail(pod, `the ${this.provider.name} pod ${podName()} no longer exists`, 'NotFound');
      return;
    }
    try {
      await this.provider.create(pod);
    } catch (error) {
      if (!errdefs.isPermanent(error)) throw error;
      await this.fail(pod, (error as Error).message);
    }
  }

  private async deleteCounterpart(
    namespace: string,
    name: string,
    gracePeriodSeconds?: number,
  ): Promise<void> {
    try {
      await this.provider.delete(namespace, name, gracePeriodSeconds);
    } catch (error) {
      // Gone already is what was asked for.
      if (!errdefs.isNotFound(error)) throw error;
    }
  }

  private async fail(pod: V1Pod, message: string, reason = 'ProviderFailed'): Promise<void> {
    // The event first: whoever sees the pod Failed can already read why.
    await this.pods.warn(pod, reason, message);
    await this.pods.patchStatus(pod, { phase: 'Failed', reason, message });
    this.options.metrics?.podOperations.inc({ operation: 'failed' });
    this.options.log.warn('pod failed', {
      pod: keyOf(pod.metadata?.namespace, pod.metadata?.name),
      reason,
      message,
    });
  }

  /** Writes the provider's status onto the cluster's pod, once per change of the provider's pod. */
  private async reflect(pod: V1Pod, counterpart: ProviderPod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const key = keyOf(pod.metadata?.namespace, pod.metadata?.name);
    const { version, status } = counterpart;
    const last = this.reflected.get(key);
    if (!status || (last?.uid === uid && last.version === version)) return;
    await this.pods.patchStatus(pod, {
      ...status,
      // The node the pod is bound to is the virtual node: its address, not the provider's host.
      hostIP: this.options.nodeAddress,
      hostIPs: [{ ip: this.options.nodeAddress }],
    });
    this.reflected.set(key, { uid, version });
  }
}
