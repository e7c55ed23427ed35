// CCI's events about a pod (scheduled, pulled, started, failed mounts...) shown on the cluster's pod,
// so `kubectl describe pod` tells the same story as for a pod on a node. Each CCI event maps to one
// cluster event with a deterministic name: after a restart, re-listing updates instead of doubling.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { CciBackend } from './cci-backend.js';
import { errorText, type Logger } from './logger.js';
import type { PodOrigin } from './translate.js';
import { watchSignal } from './watch-signal.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface EventMirrorOptions {
  cciNamespace: string;
  nodeName: string;
  log: Logger;
  /** The cluster pod behind a CCI pod name, when known. */
  originOf: (cciPodName: string) => PodOrigin | undefined;
}

const code = (e: unknown) => (e as { code?: number }).code;
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * CCI's message in the names the user knows: CCI speaks of its copy, `<cci namespace>/<ns>.<name>`
 * ("Successfully assigned …"), and of the copies of ConfigMaps and Secrets, `<ns>.<name>`
 * (FailedMount's `configmap "<ns>.<name>" not found`). Copies whose names were shortened with a
 * hash (past 63 characters) keep them.
 */
export function inClusterTerms(
  message: string,
  cciNamespace: string,
  cciName: string,
  origin: PodOrigin,
): string {
  const ns = literally(origin.namespace);
  return message
    .replaceAll(`${cciNamespace}/${cciName}`, `${origin.namespace}/${origin.name}`)
    .replaceAll(`"${cciName}"`, `"${origin.name}"`)
    .replace(new RegExp(`\\b(configmaps?|secrets?) "${ns}\\.([^"]+)"`, 'gi'), '$1 "$2"');
}

export class EventMirror {
  private readonly core: CoreV1Api;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    kc: KubeConfig,
    private readonly cci: CciBackend,
    private readonly options: EventMirrorOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  start(): void {
    void this.follow();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private async follow(): Promise<void> {
    let backoff = 200;
    while (!this.stopped) {
      try {
        const list = await this.cci.listEvents(this.options.cciNamespace);
        for (const event of list.items) await this.mirror(event).catch(() => false);
        backoff = 200;
        const watch = watchSignal(this.abort.signal);
        try {
          for await (const { type, object } of this.cci.watchEvents(
            this.options.cciNamespace,
            list.metadata?.resourceVersion ?? '',
            watch.signal,
          )) {
            if (type === 'ERROR') break; // expired resourceVersion: list again
            if (type === 'ADDED' || type === 'MODIFIED') void this.mirrorSoon(object);
          }
        } finally {
          watch.release();
        }
      } catch (error) {
        if (this.stopped) return;
        this.options.log.warn('CCI event watch interrupted', { error: errorText(error) });
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  }

  /** An event can arrive before the pod it is about is known here; it waits a little for it. */
  private async mirrorSoon(event: CoreV1Event): Promise<void> {
    for (let attempt = 0; attempt < 10 && !this.stopped; attempt++) {
      if (await this.mirror(event).catch(() => false)) return;
      await sleep(300);
    }
  }

  /** True when mirrored (or not ours to mirror); false when its pod is not known yet. */
  private async mirror(event: CoreV1Event): Promise<boolean> {
    if (event.involvedObject.kind !== 'Pod' || !event.involvedObject.name) return true;
    const origin = this.options.originOf(event.involvedObject.name);
    if (!origin) return false;
    const name = `${origin.name}.cci-${createHash('sha256')
      .update(event.metadata.uid ?? event.metadata.name ?? '')
      .digest('hex')
      .slice(0, 12)}`;
    const fields = {
      reason: event.reason,
      message:
        event.message === undefined
          ? undefined
          : inClusterTerms(event.message, this.options.cciNamespace, event.involvedObject.name, origin),
      type: event.type,
      count: event.count ?? 1,
      firstTimestamp: event.firstTimestamp ?? event.eventTime ?? new Date(),
      lastTimestamp: event.lastTimestamp ?? event.eventTime ?? new Date(),
    };
    try {
      await this.core.createNamespacedEvent({
        namespace: origin.namespace,
        body: {
          metadata: { name, namespace: origin.namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', ...origin },
          source: { component: 'cci', host: this.options.nodeName },
          ...fields,
        },
      });
    } catch (error) {
      if (code(error) !== 409) throw error;
      // Already mirrored: brought up to date with a patch, since a node may create and patch
      // events but not read them (the same values again change nothing).
      await this.core.patchNamespacedEvent({ name, namespace: origin.namespace, body: fields }, mergePatch);
    }
    return true;
  }
}
