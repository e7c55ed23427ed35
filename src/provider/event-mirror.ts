// CCI's events about a pod (scheduled, pulled, started, failed mounts...) shown on the cluster's pod,
// so `kubectl describe pod` tells the same story as for a pod on a node. Each CCI event maps to one
// cluster event with a deterministic name: after a restart, re-listing updates instead of doubling.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PatchStrategy, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import { sendPlain } from '../kube/plain-request.js';
import type { CciBackend } from './cci-backend.js';
import { errorText, type Logger } from './logger.js';
import type { PodOrigin } from './translate.js';
import { watchSignal } from './watch-signal.js';
import { isConflict } from '../kube/errors.js';

/**
 * Mirroring requests in flight at once. A burst brings several CCI events per pod at the same time;
 * unbounded, each one beyond the idle sockets opened a new TLS connection to the apiserver.
 */
const MAX_IN_FLIGHT = 16;

export interface EventMirrorOptions {
  cciNamespace: string;
  nodeName: string;
  log: Logger;
  /** The cluster pod behind a CCI pod name, when known. */
  originOf: (cciPodName: string) => PodOrigin | undefined;
}

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
  private readonly abort = new AbortController();
  private stopped = false;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly kc: KubeConfig,
    private readonly cci: CciBackend,
    private readonly options: EventMirrorOptions,
  ) {}

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
    const events = `/api/v1/namespaces/${encodeURIComponent(origin.namespace)}/events`;
    // Plain requests (plain-request.ts): client-node's model round trip cost more than the request.
    await this.withinLimit(async () => {
      try {
        await sendPlain(this.kc, {
          method: 'POST',
          path: events,
          body: {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name, namespace: origin.namespace },
            involvedObject: { apiVersion: 'v1', kind: 'Pod', ...origin },
            source: { component: 'cci', host: this.options.nodeName },
            ...fields,
          },
        });
      } catch (error) {
        if (!isConflict(error)) throw error;
        // Already mirrored: brought up to date with a patch, since a node may create and patch
        // events but not read them (the same values again change nothing).
        await sendPlain(this.kc, {
          method: 'PATCH',
          path: `${events}/${encodeURIComponent(name)}`,
          contentType: PatchStrategy.MergePatch,
          body: fields,
        });
      }
    });
    return true;
  }

  /** Runs `send` once fewer than MAX_IN_FLIGHT mirroring requests are in flight. */
  private async withinLimit(send: () => Promise<void>): Promise<void> {
    while (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      await send();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }
}
