// Leader election as the runtime uses it: a standby serves what every replica serves (health, the
// webhook) and waits; once it leads it starts acting. The lead is kept only while the node's
// heartbeats succeed (or, before the node is up, for a start-up grace): a leader that hangs lets
// its lock lapse, so a standby takes over and, where the lock is the node's Lease, the cluster
// sees the node stop.
import type { KubeConfig } from '@kubernetes/client-node';
import { LeaderElector, type LeaderElectionOptions } from '../kube/leader-election.js';
import { errorText, type Logger } from './logger.js';
import type { Shutdown } from './shutdown.js';

/** How long a new leader may take to bring its node up before it stops renewing the lead. */
const STARTUP_GRACE_MS = 120_000;

export interface LeadershipOptions {
  election: LeaderElectionOptions;
  log: Logger;
  shutdown: Shutdown;
  /** The node's heartbeat period: three missed ones and the lead is let go. */
  renewIntervalMs?: number;
  /** When the node last renewed its Lease; undefined before the node is up. */
  lastHeartbeat: () => number | undefined;
  /** Starts acting (node, pods): called once, on taking the lead. */
  act: () => Promise<void>;
  /** Called once when the lead is lost: this replica must stop acting. */
  lost: () => void;
}

/** Resolves once this replica leads and has started acting, or at once if it stops first. */
export function actWhenLeading(kc: KubeConfig, options: LeadershipOptions): Promise<void> {
  const { election, log, shutdown } = options;
  const lease = `${election.namespace}/${election.name}`;
  const elector = new LeaderElector(kc, {
    ...election,
    onAcquireError: (error) =>
      log.warn('cannot take the leader Lease; retrying', { lease, error: errorText(error) }),
  });
  void shutdown.add(() => elector.stop());
  log.info('waiting to lead', { lease });
  return elector.acquire().then(async (leading) => {
    if (!leading || shutdown.stopping) return;
    log.info('leading', { identity: election.identity });
    const leadingSince = Date.now();
    const heartbeatWindow = 3 * (options.renewIntervalMs ?? 10_000);
    const healthy = () => {
      const last = options.lastHeartbeat();
      return last !== undefined
        ? Date.now() - last < heartbeatWindow
        : Date.now() - leadingSince < STARTUP_GRACE_MS;
    };
    elector.keepLeading(() => {
      log.error('lost the lead; stopping');
      options.lost();
    }, healthy);
    await options.act();
  });
}
