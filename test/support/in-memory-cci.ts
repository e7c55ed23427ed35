// CCI as an in-memory map, behind the CCI pod provider (src/provider/cci-provider.ts) where the
// signed client would be: a pod is Running (every container started and ready) the moment it is
// created, and gone the moment it is deleted, as upstream virtual-kubelet's in-memory provider in
// bench/upstream-vk reports them. The bench runs the runtime over it, so that only the runtime's own
// work (watching the cluster, translating, reflecting status) is in the figures; the pod
// controller's unit tests run over it, with CCI's refusals and outages injected (failNext).
// Logs, exec and metrics have nothing behind them.
import type {
  CoreV1Event,
  KubernetesListObject,
  KubernetesObject,
  V1Pod,
  V1PodList,
} from '@kubernetes/client-node';
import type { CciPodMetrics } from '../../src/cloud/cci.js';
import { CloudApiError } from '../../src/cloud/http.js';
import type { CciBackend } from '../../src/provider/cci-backend.js';
import { deepCopy } from '../../src/provider/deep-copy.js';

type WatchEvent = { type: string; object: V1Pod };

/** The calls a test can make fail. */
export type FallibleCall = 'createPod' | 'deletePod' | 'put';

/** At least how many past pod events a watch may start from; older resourceVersions get ERROR (list again). */
const HISTORY = 20_000;

export class InMemoryCci implements CciBackend {
  private readonly pods = new Map<string, V1Pod>();
  private readonly objects = new Map<string, KubernetesObject>();
  private readonly history: { version: number; event: WatchEvent }[] = [];
  private readonly watchers = new Set<(event: WatchEvent) => void>();
  private version = 0;
  private nextIp = 0;
  private readonly failures = new Map<FallibleCall, Error[]>();

  /** The next `times` calls of `call` fail with `error` (as CCI's CloudApiError, say). */
  failNext(call: FallibleCall, error: Error, times = 1): void {
    this.failures.set(call, [...(this.failures.get(call) ?? []), ...Array<Error>(times).fill(error)]);
  }

  /** The pods in the namespace, by name. */
  podNames(namespace: string): string[] {
    return [...this.pods.values()]
      .filter((pod) => pod.metadata?.namespace === namespace)
      .map((pod) => pod.metadata?.name ?? '');
  }

  /** The failure injected for this call, if any (taken: it happens once). */
  private injected(call: FallibleCall): Error | undefined {
    return this.failures.get(call)?.shift();
  }

  createPod(namespace: string, pod: V1Pod): Promise<V1Pod> {
    const injected = this.injected('createPod');
    if (injected) return Promise.reject(injected);
    const name = pod.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    if (this.pods.has(key))
      return Promise.reject(new CloudApiError('cci', 409, 'AlreadyExists', `pods "${name}" already exists`));
    const now = new Date();
    const ip = `10.${(this.nextIp >> 16) & 255}.${(this.nextIp >> 8) & 255}.${this.nextIp++ & 255}`;
    // CCI keeps its own copy (one, as upstream's in-memory provider keeps one DeepCopy): rfdc as the
    // runtime copies pods (src/provider/deep-copy.ts), so the bench's backend costs what a copy costs.
    const copy = deepCopy(pod);
    const running: V1Pod = {
      ...copy,
      metadata: {
        ...copy.metadata,
        namespace,
        uid: crypto.randomUUID(),
        creationTimestamp: now,
      },
      status: {
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        hostIP: ip,
        startTime: now,
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
          type,
          status: 'True',
          lastTransitionTime: now,
        })),
        containerStatuses: (pod.spec?.containers ?? []).map((container) => ({
          name: container.name,
          image: container.image ?? '',
          imageID: container.image ?? '',
          containerID: `memory://${name}/${container.name}`,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: now } },
        })),
      },
    };
    this.pods.set(key, running);
    this.publish('ADDED', running);
    return Promise.resolve(running);
  }

  deletePod(namespace: string, name: string): Promise<boolean> {
    const injected = this.injected('deletePod');
    if (injected) return Promise.reject(injected);
    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (!pod) return Promise.resolve(false);
    this.pods.delete(key);
    this.publish('DELETED', pod);
    return Promise.resolve(true);
  }

  listPods(namespace: string): Promise<V1PodList> {
    const items = [...this.pods.values()].filter((pod) => pod.metadata?.namespace === namespace);
    return Promise.resolve({ items, metadata: { resourceVersion: String(this.version) } });
  }

  async *watchPods(
    namespace: string,
    resourceVersion: string,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent> {
    const from = Number(resourceVersion || this.version);
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const watcher = (event: WatchEvent) => {
      queue.push(event);
      wake?.();
    };
    const oldest = this.history[0]?.version ?? this.version + 1;
    if (from < oldest - 1) {
      yield { type: 'ERROR', object: {} };
      return;
    }
    for (const { version, event } of this.history) if (version > from) queue.push(event);
    this.watchers.add(watcher);
    const aborted = () => wake?.();
    signal.addEventListener('abort', aborted);
    try {
      while (!signal.aborted) {
        const event = queue.shift();
        if (event) {
          if (event.object.metadata?.namespace === namespace) yield event;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.watchers.delete(watcher);
      signal.removeEventListener('abort', aborted);
    }
  }

  podLog(): Promise<AsyncIterable<Uint8Array>> {
    return Promise.resolve((async function* () {})());
  }

  podMetrics(): Promise<KubernetesListObject<CciPodMetrics>> {
    return Promise.resolve({ items: [] });
  }

  podUpgradeRequest(): { url: URL; headers: Record<string, string> } {
    throw new CloudApiError('cci', 501, 'NotImplemented', 'the in-memory backend runs no containers');
  }

  listEvents(): Promise<KubernetesListObject<CoreV1Event>> {
    return Promise.resolve({ items: [], metadata: { resourceVersion: '0' } });
  }

  /** No events: the watch stays open, empty, until it is stopped. */
  async *watchEvents(
    _namespace: string,
    _resourceVersion: string,
    signal: AbortSignal,
  ): AsyncGenerator<{ type: string; object: CoreV1Event }> {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    yield* [];
  }

  list<T extends KubernetesObject>(namespace: string, resource: string): Promise<KubernetesListObject<T>> {
    const prefix = `${namespace}/${resource}/`;
    const items = [...this.objects]
      .filter(([key]) => key.startsWith(prefix))
      .map(([, object]) => object as T);
    return Promise.resolve({ items, metadata: { resourceVersion: String(this.version) } });
  }

  put<T extends KubernetesObject>(namespace: string, resource: string, object: T): Promise<void> {
    const injected = this.injected('put');
    if (injected) return Promise.reject(injected);
    this.objects.set(`${namespace}/${resource}/${object.metadata?.name ?? ''}`, structuredClone(object));
    return Promise.resolve();
  }

  remove(namespace: string, resource: string, name: string): Promise<boolean> {
    return Promise.resolve(this.objects.delete(`${namespace}/${resource}/${name}`));
  }

  private publish(type: string, pod: V1Pod): void {
    this.version++;
    const event = {
      type,
      object: { ...pod, metadata: { ...pod.metadata, resourceVersion: String(this.version) } },
    };
    this.history.push({ version: this.version, event });
    if (this.history.length > 2 * HISTORY) this.history.splice(0, HISTORY);
    for (const watcher of this.watchers) watcher(event);
  }
}
