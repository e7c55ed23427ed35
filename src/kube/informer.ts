// A list-watch cache that keeps itself running. client-node's ListWatch relists on 410 Gone but does
// not restart after any other error (a dropped connection, an apiserver restart); this wrapper
// restarts it with capped exponential backoff until stopped, so controllers built on it survive
// apiserver outages.
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  type ObjectCallback,
} from '@kubernetes/client-node';
import { watchStream } from './watch-stream.js';

export interface InformerHandlers<T extends KubernetesObject> {
  add?: ObjectCallback<T>;
  update?: ObjectCallback<T>;
  delete?: ObjectCallback<T>;
  /** Called after each failure, before the informer restarts. */
  error?: (error: unknown) => void;
}

export interface InformerOptions<T extends KubernetesObject = KubernetesObject> {
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * What the cache keeps of each object (listed or watched), e.g. withoutManagedFields: a cache of
   * whole objects was the runtime's largest heap (docs/benchmarks.md).
   */
  transform?: (object: T) => T;
  /** Backoff bounds for restarts after errors. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface RunningInformer<T extends KubernetesObject> {
  /** Objects currently known, from the cache. */
  list(namespace?: string): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  /** Resolves once the first list has been delivered. */
  synced: Promise<void>;
  stop(): Promise<void>;
}

/** Who reads managedFields: not a controller. Dropped, a pod's cache entry is about half the size. */
export function withoutManagedFields<T extends KubernetesObject>(object: T): T {
  if (object.metadata?.managedFields) delete object.metadata.managedFields;
  return object;
}

/**
 * The watch under each informer: client-node's ListWatch on our event stream (watch-stream.ts, which
 * says why), with added, modified and deleted objects passed through `transform` before the cache.
 */
class StreamWatch<T extends KubernetesObject> extends Watch {
  constructor(
    private readonly kc: KubeConfig,
    private readonly transform: ((object: T) => T) | undefined,
  ) {
    super(kc);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const transform = this.transform;
    return watchStream(
      this.kc,
      path,
      queryParams,
      transform
        ? (phase, object, event) => {
            const kept = phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED';
            callback(phase, kept ? transform(object as T) : object, event);
          }
        : callback,
      done,
    );
  }
}

export function startInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  listFn: ListPromise<T>,
  handlers: InformerHandlers<T>,
  options: InformerOptions<T> = {},
): RunningInformer<T> {
  const minBackoff = options.minBackoffMs ?? 200;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  let backoff = minBackoff;
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  const transform = options.transform;
  const informer = new ListWatch<T>(
    path,
    new StreamWatch(kc, transform),
    async () => {
      const list = await listFn();
      if (transform) list.items = list.items.map(transform);
      backoff = minBackoff;
      setImmediate(markSynced);
      return list;
    },
    false,
    options.labelSelector,
    options.fieldSelector,
  );
  if (handlers.add) informer.on('add', handlers.add);
  if (handlers.update) informer.on('update', handlers.update);
  if (handlers.delete) informer.on('delete', handlers.delete);

  const start = () => {
    if (stopped) return;
    informer.start().catch(onError);
  };
  function onError(error: unknown) {
    if (stopped) return;
    handlers.error?.(error);
    clearTimeout(restartTimer);
    restartTimer = setTimeout(start, backoff);
    backoff = Math.min(backoff * 2, maxBackoff);
  }
  informer.on('error', onError);
  start();

  return {
    list: (namespace) => informer.list(namespace),
    get: (name, namespace) => informer.get(name, namespace),
    synced,
    async stop() {
      stopped = true;
      clearTimeout(restartTimer);
      await informer.stop();
    },
  };
}
