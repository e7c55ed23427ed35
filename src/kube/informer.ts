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

export interface InformerHandlers<T extends KubernetesObject> {
  add?: ObjectCallback<T>;
  update?: ObjectCallback<T>;
  delete?: ObjectCallback<T>;
  /** Called after each failure, before the informer restarts. */
  error?: (error: unknown) => void;
}

export interface InformerOptions {
  labelSelector?: string;
  fieldSelector?: string;
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

export function startInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  listFn: ListPromise<T>,
  handlers: InformerHandlers<T>,
  options: InformerOptions = {},
): RunningInformer<T> {
  const minBackoff = options.minBackoffMs ?? 200;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  let backoff = minBackoff;
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  const informer = new ListWatch<T>(
    path,
    new Watch(kc),
    async () => {
      const list = await listFn();
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
