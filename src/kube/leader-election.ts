// Leader election over a coordination.k8s.io Lease, as client-go's leaderelection does it: a
// candidate takes the Lease when it is free or its holder stopped renewing for leaseDuration, then
// renews it every retryPeriod; every write carries the resourceVersion it read, so two candidates
// cannot both win. A leader that cannot renew within renewDeadline has lost and must stop acting.
// client-node has no leader election, hence this file.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoordinationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import { microTime } from './lease.js';
import { isNotFound } from './errors.js';
import { mergePatch } from './merge-patch.js';
import { firstLine } from '../errors.js';

const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Told why an attempt to acquire failed (not when another holder simply has it), once per reason. */
  onAcquireError?: (error: unknown) => void;
}

export class LeaderElector {
  private readonly client: CoordinationV1Api;
  private stopped = false;
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    kc: KubeConfig,
    private readonly options: LeaderElectionOptions,
  ) {
    this.client = kc.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get duration(): number {
    return this.options.leaseDurationSeconds ?? 15;
  }

  /** Waits until this candidate holds the Lease (or stop() is called: then resolves false). */
  async acquire(): Promise<boolean> {
    let lastReason: string | undefined;
    const failed = (error: unknown) => {
      // The first line: client-node's messages go on with headers that differ on every request.
      const reason = firstLine(error);
      if (reason !== lastReason) this.options.onAcquireError?.(error);
      lastReason = reason;
      return false;
    };
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew().catch(failed)) {
        this.leading = true;
        if (!this.stopped) return true;
        await this.release(); // stopped while the request was out: give it back at once
        return false;
      }
      await sleep(this.options.retryPeriodMs ?? 2000);
    }
    return false;
  }

  /**
   * Renews until stopped, while `healthy()` says the leader is doing its work. Calls onLost once
   * when another holder is seen, or when no renewal has succeeded for renewDeadline: a timer of its
   * own, so a request that hangs cannot keep a leader acting after a standby may have taken over.
   */
  keepLeading(onLost: () => void, healthy: () => boolean = () => true): void {
    const period = this.options.retryPeriodMs ?? 2000;
    const deadline = this.options.renewDeadlineMs ?? 10_000;
    const lose = () => {
      if (!this.leading || this.stopped) return;
      this.leading = false;
      clearTimeout(this.timer);
      clearTimeout(this.deadlineTimer);
      onLost();
    };
    this.deadlineTimer = setTimeout(lose, deadline);
    const renew = async () => {
      if (this.stopped || !this.leading) return;
      // A leader that is not doing its work does not renew: the lock lapses and a standby takes over.
      const result = healthy()
        ? await this.tryAcquireOrRenew().catch(() => 'failed' as const)
        : ('unhealthy' as const);
      if (result === true) {
        clearTimeout(this.deadlineTimer);
        this.deadlineTimer = setTimeout(lose, deadline);
      } else if (result === false) {
        return lose(); // someone else holds it now
      }
      if (this.leading) this.timer = setTimeout(() => void renew(), period);
    };
    this.timer = setTimeout(() => void renew(), period);
  }

  /** Stops renewing and, when leading, frees the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadlineTimer);
    await this.release();
  }

  private async release(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    const lease = await this.read().catch(() => undefined);
    if (lease?.spec?.holderIdentity !== this.options.identity) return;
    await this.client
      .patchNamespacedLease(
        {
          name: this.options.name,
          namespace: this.options.namespace,
          body: {
            metadata: { resourceVersion: lease.metadata?.resourceVersion },
            spec: { holderIdentity: null, renewTime: null, acquireTime: null },
          },
        },
        mergePatch,
      )
      .catch(() => undefined);
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.client.readNamespacedLease({
        name: this.options.name,
        namespace: this.options.namespace,
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.options;
    const now = microTime(new Date());
    const lease = await this.read();
    if (!lease) {
      // Created by apply without force: a second candidate creating it at once gets a conflict.
      await this.client.patchNamespacedLease(
        {
          name,
          namespace,
          fieldManager: `vkctl-leader-${identity}`.slice(0, 128),
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: this.duration,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        },
        applyPatch,
      );
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const expired = Date.now() > renewed + (lease.spec?.leaseDurationSeconds ?? this.duration) * 1000;
    if (holder && holder !== identity && !expired) return false;
    const taking = holder !== identity;
    await this.client.patchNamespacedLease(
      {
        name,
        namespace,
        body: {
          metadata: { resourceVersion: lease.metadata?.resourceVersion },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: this.duration,
            renewTime: now,
            ...(taking
              ? { acquireTime: now, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }
              : {}),
          },
        },
      },
      mergePatch,
    );
    return true;
  }
}
