// `vkctl provider run`'s composition root, in the manner of virtual-kubelet's nodeutil: it starts
// the runtime's parts in order and returns what the caller waits on (`ready`, `done`, `err`) and
// `stop()`. Every replica serves /healthz, /readyz and /metrics (health-server.ts) and the
// burst-policy webhook; the one that acts (alone, or the leader: leadership.ts) prepares the CCI
// side (cci-setup.ts), serves the kubelet API (kubelet/start.ts), registers the virtual node,
// readies interconnect (interconnect/setup.ts) and moves the node's pods to CCI (pod-controller.ts
// over cci-provider.ts). Parts stop in reverse (shutdown.ts).
import type { KubeConfig } from '@kubernetes/client-node';
import { cliVersion } from '../shared/catalog.js';
import { cloudConfigOf } from '../cloud/config.js';
import { CloudSession } from '../cloud/session.js';
import { NODE_LEASE_NAMESPACE } from '../kube/lease.js';
import type { LeaderElectionOptions } from '../kube/leader-election.js';
import { withPooledConnections } from '../kube/pooled-connections.js';
import type { CciBackend } from './cci-backend.js';
import { CciPodProvider } from './cci-provider.js';
import { prepareCci } from './cci-setup.js';
import { ApiClusterPods } from './cluster-pods.js';
import type { KubeletServing, ProviderConfig } from './config.js';
import { startHealthServer } from './health-server.js';
import { setUpInterconnect } from './interconnect/setup.js';
import { startKubeletApi } from './kubelet/start.js';
import { actWhenLeading } from './leadership.js';
import type { Logger } from './logger.js';
import { ProviderMetrics } from './metrics.js';
import { VirtualNode } from './node.js';
import { PodController } from './pod-controller.js';
import { Shutdown } from './shutdown.js';
import { startWebhookServer } from './webhook-server.js';

export interface RunningProvider {
  /** Set once this replica acts and has started the node. */
  node?: VirtualNode;
  pods?: PodController;
  healthPort: number;
  webhookPort?: number;
  kubeletPort?: number;
  /**
   * Resolves when the node and pods are up (at once for a runtime without leader election; when it
   * takes the lead, for a standby); rejects when they could not start.
   */
  ready: Promise<void>;
  /** Resolves once the runtime has stopped: after stop(), or on its own (see `err`). */
  done: Promise<void>;
  /** Why the runtime stopped on its own (it could not start, or lost the lead); else undefined. */
  readonly err: unknown;
  /** Stops every part; later calls wait for the same stop. */
  stop(): Promise<void>;
}

export interface ProviderOptions {
  kc: KubeConfig;
  config: ProviderConfig;
  credentials: { accessKey: string; secretKey: string };
  /** Where the apiserver reaches this process's kubelet API. */
  address: string;
  kubeletPort: number;
  /** 0 picks a free port. */
  healthPort: number;
  /**
   * The address every listener (health and metrics, kubelet API, webhook) binds, as the kubelet's
   * --address; every interface when absent. A listener's own `host` wins.
   */
  bindAddress?: string;
  log: Logger;
  renewIntervalMs?: number;
  /** Only the replica holding this Lease acts; the others wait as standbys. */
  leaderElection?: LeaderElectionOptions;
  metrics?: ProviderMetrics;
  /**
   * Serve the kubelet API on kubeletPort (0 picks one) with this serving certificate, verifying
   * client certificates against the cluster's CA.
   */
  kubelet?: KubeletServing;
  /** Serve the burst-policy webhook with this certificate (the vkctl-webhook-tls Secret). */
  webhook?: { cert: string; key: string; port: number; host?: string };
  /**
   * Where pods run instead of CCI (whose namespace and Network are then not prepared). The command
   * never sets it; the bench does, to measure the runtime without CCI's cost.
   */
  backend?: CciBackend;
  /**
   * With interconnect: a file holding the vkctl-proxy token (projected into the runtime's pod by the
   * kubelet, which renews it). Without it, the runtime requests one (TokenRequest), which a node may
   * not do.
   */
  proxyTokenFile?: string;
}

/** The signed CCI client, once the burst namespace and its Network are ready. */
async function connectCci(options: ProviderOptions, metrics: ProviderMetrics): Promise<CciBackend> {
  const { config } = options;
  // The release's settings only: not the environment's, nor a config file's.
  const cloud = cloudConfigOf({
    region: config.region,
    projectId: config.projectId || undefined,
    clusterId: config.clusterId,
    endpoints: config.endpoints,
    ...options.credentials,
  });
  return prepareCci(new CloudSession(cloud, undefined, metrics.observeRequest), config, options.log);
}

/**
 * What the acting replica starts, in order: CCI, the kubelet API, the node, interconnect, the pod
 * controller. Each part is set on `running` once up; a stop that begins meanwhile ends the sequence.
 */
async function act(
  kc: KubeConfig,
  options: ProviderOptions,
  metrics: ProviderMetrics,
  shutdown: Shutdown,
  running: RunningProvider,
): Promise<void> {
  const { config, log } = options;
  const cci = options.backend ?? (await connectCci(options, metrics));
  const podsOnNode = () => running.pods?.list() ?? [];
  const kubelet = options.kubelet
    ? await startKubeletApi({
        kc,
        serving: options.kubelet,
        nodeName: config.nodeName,
        address: options.address,
        port: options.kubeletPort,
        bindAddress: options.bindAddress,
        cci,
        cciNamespace: config.cciNamespace,
        pods: podsOnNode,
        log,
      })
    : undefined;
  if (kubelet) await shutdown.add(() => kubelet.stop());
  if (shutdown.stopping) return;
  running.kubeletPort = kubelet?.port;

  const node = new VirtualNode(
    kc,
    {
      name: config.nodeName,
      capacity: config.capacity,
      address: options.address,
      kubeletPort: kubelet?.port ?? options.kubeletPort,
      version: cliVersion(),
      renewIntervalMs: options.renewIntervalMs,
      leaseIsLeaderLock:
        options.leaderElection?.namespace === NODE_LEASE_NAMESPACE &&
        options.leaderElection.name === config.nodeName,
      onRenewal: (ok) => metrics.leaseRenewals.inc({ result: ok ? 'success' : 'failure' }),
    },
    log,
  );
  await node.start();
  await shutdown.add(() => node.stop());
  if (shutdown.stopping) return;
  running.node = node;

  const sidecar = await setUpInterconnect(kc, cci, config, {
    log,
    shutdown,
    proxyTokenFile: options.proxyTokenFile,
  });
  if (shutdown.stopping) return;

  const clusterPods = new ApiClusterPods(kc, config.nodeName, log);
  const provider = new CciPodProvider(kc, cci, {
    nodeName: config.nodeName,
    cciNamespace: config.cciNamespace,
    log,
    metrics,
    sidecar,
    podsOnNode: (namespace) => clusterPods.list(namespace),
    // The same preparation as at start; over a backend given in (the bench's), nothing to make.
    repairNamespace: options.backend ? undefined : () => connectCci(options, metrics),
  });
  const pods = new PodController(clusterPods, provider, {
    nodeName: config.nodeName,
    nodeAddress: options.address,
    log,
    metrics,
  });
  await pods.start();
  await shutdown.add(() => pods.stop());
  if (shutdown.stopping) return;
  running.pods = pods;
  metrics.attach({ podsByPhase: () => pods.podsByPhase(), queueDepth: () => pods.queueDepth });
}

/**
 * Starts the runtime. Without leader election it resolves once the node and pods are up (and
 * rejects, everything stopped, if they cannot start); with it, once the standby serves, `ready`
 * then saying when it acts.
 */
export async function runProvider(options: ProviderOptions): Promise<RunningProvider> {
  const { config, log } = options;
  const kc = withPooledConnections(options.kc);
  const metrics = options.metrics ?? new ProviderMetrics();
  const shutdown = new Shutdown();
  let ready = false;
  // Health first, so probes get an answer (not a refused connection) while the rest starts.
  const health = await startHealthServer(options.healthPort, options.bindAddress, () => ready, metrics);
  await shutdown.add(() => health.stop());
  let err: unknown;
  let finished: () => void = () => undefined;
  const running: RunningProvider = {
    healthPort: health.port,
    ready: Promise.resolve(),
    done: new Promise<void>((resolve) => (finished = resolve)),
    get err() {
      return err;
    },
    stop: () => shutdown.run().then(finished),
  };
  const acting = async () => {
    await act(kc, options, metrics, shutdown, running);
    if (shutdown.stopping) return;
    ready = true;
    log.info('provider running', {
      node: config.nodeName,
      cciNamespace: config.cciNamespace,
      healthPort: health.port,
    });
  };
  try {
    // Every replica serves the webhook: the Service spreads admission calls over all of them.
    const { webhook: serving } = options;
    const webhook = serving
      ? await startWebhookServer(serving, serving.port, serving.host ?? options.bindAddress)
      : undefined;
    if (webhook) await shutdown.add(() => webhook.stop());
    running.webhookPort = webhook?.port;
    if (!options.leaderElection) {
      await acting();
      return running;
    }
  } catch (error) {
    await running.stop();
    throw error;
  }
  // A standby is healthy and ready (it serves the webhook); it acts once it leads.
  ready = true;
  const endOnItsOwn = (why: unknown) => {
    err ??= why;
    void running.stop();
  };
  running.ready = actWhenLeading(kc, {
    election: options.leaderElection,
    log,
    shutdown,
    renewIntervalMs: options.renewIntervalMs,
    lastHeartbeat: () => running.node?.lastHeartbeat,
    act: acting,
    lost: () => endOnItsOwn(new Error('lost the lead')),
  });
  running.ready.catch((error: unknown) => {
    log.error('could not start', { error: String(error) });
    endOnItsOwn(error);
  });
  return running;
}
