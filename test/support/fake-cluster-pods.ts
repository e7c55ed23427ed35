// The cluster's side of the pod controller without an apiserver: the pods a test puts here are what
// the controller's informer would hold, and what it writes (status patches, Warning events,
// removals) is recorded for the test to read. Like the informer it stands for, it tells the
// controller of every change; unlike it, it holds pods of any node, so a test can show that the
// controller leaves other nodes' pods alone.
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import type { ClusterPods } from '../../src/provider/cluster-pods.js';

export interface RecordedEvent {
  pod: string;
  reason: string;
  message: string;
}

const keyOf = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

export class FakeClusterPods implements ClusterPods {
  private readonly pods = new Map<string, V1Pod>();
  private changed: ((pod: V1Pod) => void) | undefined;
  readonly events: RecordedEvent[] = [];
  /** Pod key → every status patch written to it, in order. */
  readonly patches = new Map<string, V1PodStatus[]>();
  readonly removed: string[] = [];

  /** Adds or replaces a pod (as the apiserver would tell the informer). */
  put(pod: V1Pod): V1Pod {
    const stored = structuredClone(pod);
    this.pods.set(keyOf(stored), stored);
    this.changed?.(stored);
    return stored;
  }

  /** Marks a pod deleted, as `kubectl delete` does with a grace period. */
  markDeleted(namespace: string, name: string, gracePeriodSeconds = 30): void {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod) throw new Error(`no pod ${namespace}/${name}`);
    this.put({
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: new Date(),
        deletionGracePeriodSeconds: gracePeriodSeconds,
      },
    });
  }

  pod(namespace: string, name: string): V1Pod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  start(changed: (pod: V1Pod) => void): Promise<void> {
    this.changed = changed;
    for (const pod of this.pods.values()) changed(pod);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.changed = undefined;
    return Promise.resolve();
  }

  get(namespace: string, name: string): V1Pod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  list(namespace?: string): readonly V1Pod[] {
    return [...this.pods.values()].filter(
      (pod) => namespace === undefined || pod.metadata?.namespace === namespace,
    );
  }

  /**
   * Merges the status in, as the apiserver's merge patch with a uid precondition would; as there, a
   * patch that changes nothing is no change that a watch would report.
   */
  patchStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    const key = keyOf(pod);
    const current = this.pods.get(key);
    if (!current || current.metadata?.uid !== pod.metadata?.uid) return Promise.resolve();
    this.patches.set(key, [...(this.patches.get(key) ?? []), status]);
    const merged = { ...current.status, ...status };
    if (JSON.stringify(merged) !== JSON.stringify(current.status)) this.put({ ...current, status: merged });
    return Promise.resolve();
  }

  warn(pod: V1Pod, reason: string, message: string): Promise<void> {
    this.events.push({ pod: keyOf(pod), reason, message });
    return Promise.resolve();
  }

  remove(pod: V1Pod): Promise<void> {
    const key = keyOf(pod);
    if (this.pods.get(key)?.metadata?.uid !== pod.metadata?.uid) return Promise.resolve();
    this.pods.delete(key);
    this.removed.push(key);
    this.changed?.(pod);
    return Promise.resolve();
  }
}
