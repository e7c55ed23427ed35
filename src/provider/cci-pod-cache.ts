// CCI's pods in the burst namespace, listed and then watched (again after every interruption or
// expired resourceVersion), kept by name without their managedFields (nothing here reads them).
// Each change is passed on, so the pod controller reacts to CCI as it does to the cluster: from a
// watch, not by polling.
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { withoutManagedFields } from '../kube/informer.js';
import type { CciBackend } from './cci-backend.js';
import { errorText, type Logger } from './logger.js';
import { watchSignal } from './watch-signal.js';

export class CciPodCache {
  private readonly pods = new Map<string, V1Pod>();
  private readonly abort = new AbortController();
  private stopped = false;
  private resolveSynced: (() => void) | undefined;
  private readonly synced = new Promise<void>((resolve) => (this.resolveSynced = resolve));

  constructor(
    private readonly cci: CciBackend,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly changed: (pod: V1Pod) => void,
  ) {}

  /** Resolves once the first list is in. */
  start(): Promise<void> {
    void this.follow();
    return this.synced;
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  get(name: string): V1Pod | undefined {
    return this.pods.get(name);
  }

  list(): V1Pod[] {
    return [...this.pods.values()];
  }

  private async follow(): Promise<void> {
    let backoff = 200;
    while (!this.stopped) {
      try {
        const list = await this.cci.listPods(this.namespace);
        const listed = new Map(
          list.items.map((pod) => [pod.metadata?.name ?? '', withoutManagedFields(pod)]),
        );
        // Pods that went while nobody watched are passed on as gone.
        for (const [name, pod] of this.pods) {
          if (!listed.has(name)) {
            this.pods.delete(name);
            this.changed(pod);
          }
        }
        for (const [name, pod] of listed) {
          this.pods.set(name, pod);
          this.changed(pod);
        }
        this.resolveSynced?.();
        backoff = 200;
        const watch = watchSignal(this.abort.signal);
        try {
          for await (const { type, object } of this.cci.watchPods(
            this.namespace,
            list.metadata?.resourceVersion ?? '',
            watch.signal,
          )) {
            if (type === 'ERROR') break; // resourceVersion expired: list again
            const name = object.metadata?.name ?? '';
            if (type === 'DELETED') this.pods.delete(name);
            else if (type === 'ADDED' || type === 'MODIFIED')
              this.pods.set(name, withoutManagedFields(object));
            else continue; // BOOKMARK
            this.changed(object);
          }
        } finally {
          watch.release();
        }
      } catch (error) {
        if (this.stopped) return;
        this.log.warn('CCI pod watch interrupted', { error: errorText(error) });
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  }
}
