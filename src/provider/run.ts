// `vkctl provider run`: serves /healthz, /readyz and /metrics and the burst-policy webhook, waits to
// be the leader (when several replicas run), prepares the CCI side (the burst namespace and its
// Network on the cluster's subnet), registers the virtual node and moves its pods to CCI.
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { cliVersion } from '../shared/catalog.js';
import { loadCloudConfig } from '../cloud/config.js';
import { CloudSession } from '../cloud/session.js';
import { NODE_LEASE_NAMESPACE } from '../kube/lease.js';
import { LeaderElector, type LeaderElectionOptions } from '../kube/leader-election.js';
import { withPooledConnections } from '../kube/pooled-connections.js';
import type { CciBackend } from './cci-backend.js';
import { prepareCci } from './cci-setup.js';
import { LISTENER_OPTIONS } from './listener-limits.js';
import type { KubeletServing, ProviderConfig } from './config.js';
import { errorText, type Logger } from './logger.js';
import { ProviderMetrics } from './metrics.js';
import { VirtualNode } from './node.js';
import { ProxyCredentials } from './interconnect/proxy-credentials.js';
import { PROXY_KUBECONFIG_SECRET } from './interconnect/sidecar.js';
import { PodController } from './pod-controller.js';
import { DEFAULT_VALIDITY_SECONDS, obtainServingCertificate } from './kubelet/serving-cert.js';
import { keepServingCertificateFresh } from './kubelet/serving-cert-rotation.js';
import { CciContainerCommands } from './kubelet/cci-commands.js';
import { startKubeletServer } from './kubelet/server.js';
import { PodStatsSource } from './kubelet/stats.js';
import { startWebhookServer } from './webhook-server.js';

export interface RunningProvider {
  /** Set once this replica leads and has started the node. */
  node?: VirtualNode;
  pods?: PodController;
  healthPort: number;
  webhookPort?: number;
  kubeletPort?: number;
  /** Resolves when the node and pods are up (at once for a leader; when it takes over, for a standby). */
  started: Promise<void>;
  stop(): Promise<void>;
}

/** How long a new leader may take to bring its node up before it stops renewing the lead. */
const STARTUP_GRACE_MS = 120_000;

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
  /** Called when this replica loses the lead: it must stop acting (the command exits). */
  onLostLeadership?: () => void;
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

/**
 * /healthz answers as soon as the process listens; /readyz only once `isReady()` says so; /metrics
 * in Prometheus' text format.
 */
async function startHealthServer(
  port: number,
  host: string | undefined,
  isReady: () => boolean,
  metrics: ProviderMetrics,
): Promise<http.Server> {
  // GET only; a body is never read. The time limits hold anyone who connects to them.
  const server = http.createServer(LISTENER_OPTIONS, (req, res) => {
    if (req.url === '/metrics') {
      void metrics.text().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(String(error));
        },
      );
      return;
    }
    const status = req.url === '/healthz' ? 200 : req.url === '/readyz' ? (isReady() ? 200 : 503) : 404;
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(status === 200 ? 'ok' : status === 503 ? 'starting' : 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export async function runProvider(options: ProviderOptions): Promise<RunningProvider> {
  const { config, log } = options;
  const kc = withPooledConnections(options.kc);
  const metrics = options.metrics ?? new ProviderMetrics();
  // Health first, so probes get an answer (not a refused connection) while the rest starts.
  let ready = false;
  const health = await startHealthServer(options.healthPort, options.bindAddress, () => ready, metrics);
  const address = health.address();
  const healthPort = typeof address === 'object' && address ? address.port : options.healthPort;
  const stoppers: (() => Promise<void> | void)[] = [
    async () => {
      health.closeAllConnections();
      await new Promise<void>((resolve) => health.close(() => resolve()));
    },
  ];
  // Something started after stop() began (a leader taking over as SIGTERM arrives) is stopped at
  // once instead of being left running.
  let stopping = false;
  const onStop = async (stopOne: () => Promise<void> | void) => {
    if (stopping) await stopOne();
    else stoppers.push(stopOne);
  };
  const stop = async () => {
    stopping = true;
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne();
  };
  const running: RunningProvider = { healthPort, started: Promise.resolve(), stop };
  try {
    // Every replica serves the webhook: the Service spreads admission calls over all of them.
    const webhook = options.webhook
      ? await startWebhookServer(
          options.webhook,
          options.webhook.port,
          options.webhook.host ?? options.bindAddress,
        )
      : undefined;
    if (webhook) stoppers.push(() => webhook.stop());
    running.webhookPort = webhook?.port;
    const connectCci = async () => {
      const cloud = loadCloudConfig(
        {
          region: config.region,
          projectId: config.projectId || undefined,
          clusterId: config.clusterId,
          endpoints: config.endpoints,
          ...options.credentials,
        },
        { VKCTL_CONFIG: '/dev/null' },
      );
      return prepareCci(new CloudSession(cloud, undefined, metrics.observeRequest), config, log);
    };
    const startActing = async () => {
      const cci = options.backend ?? (await connectCci());
      // Without a given certificate the cluster issues one (a kubelet-serving CSR), else the add-on's CA.
      const kubeletConfig = options.kubelet;
      const obtainServing =
        kubeletConfig && !(kubeletConfig.cert && kubeletConfig.key)
          ? () =>
              obtainServingCertificate({
                kc,
                nodeName: config.nodeName,
                address: options.address,
                validitySeconds: kubeletConfig.validitySeconds ?? DEFAULT_VALIDITY_SECONDS,
                fallbackCa: kubeletConfig.fallbackCa,
                log,
              })
          : undefined;
      const serving = obtainServing ? await obtainServing() : undefined;
      const kubelet = options.kubelet
        ? await startKubeletServer({
            ...options.kubelet,
            cert: serving?.cert ?? options.kubelet.cert ?? '',
            key: serving?.key ?? options.kubelet.key ?? '',
            kc,
            nodeName: config.nodeName,
            cci,
            cciNamespace: config.cciNamespace,
            commands: new CciContainerCommands(cci, config.cciNamespace, log),
            stats: new PodStatsSource(
              cci,
              config.cciNamespace,
              config.nodeName,
              () => running.pods?.list() ?? [],
            ),
            port: options.kubeletPort,
            host: options.kubelet.host ?? options.bindAddress,
            pods: () => running.pods?.list() ?? [],
            log,
          })
        : undefined;
      if (kubelet) await onStop(() => kubelet.stop());
      if (kubelet && serving && obtainServing) {
        const stopRotation = keepServingCertificateFresh({
          renewAt: options.kubelet?.renewAt ?? 0.8,
          current: serving,
          obtain: obtainServing,
          install: (next) => kubelet.replaceCertificate(next.cert, next.key),
          log,
        });
        await onStop(() => Promise.resolve(stopRotation()));
      }
      if (stopping) return;
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
      await onStop(() => node.stop());
      if (stopping) return;
      running.node = node;
      // Interconnect: the sidecars' credentials exist in CCI before the first pod that mounts them.
      const proxy = config.interconnect ? config.proxy : undefined;
      if (config.interconnect && !proxy)
        log.warn('interconnect is on but the config has no proxy settings: CCI pods get no sidecar');
      // Interconnect turned off: its credentials in CCI go too (pods made since have no sidecar).
      if (!proxy) await cci.remove(config.cciNamespace, 'secrets', PROXY_KUBECONFIG_SECRET);
      if (proxy) {
        const credentials = new ProxyCredentials(kc, cci, config.cciNamespace, proxy.namespace, log, {
          tokenFile: options.proxyTokenFile,
        });
        // Stoppable before it starts: it may wait for its token file.
        await onStop(() => credentials.stop());
        await credentials.start();
        if (stopping) return;
      }
      const pods = new PodController(kc, cci, {
        nodeName: config.nodeName,
        nodeAddress: options.address,
        cciNamespace: config.cciNamespace,
        log,
        metrics,
        sidecar: proxy
          ? {
              image: proxy.image,
              clusterDomain: proxy.clusterDomain,
              upstreamDns: proxy.upstreamDns || undefined,
            }
          : undefined,
      });
      await pods.start();
      await onStop(() => pods.stop());
      if (stopping) return;
      running.pods = pods;
      metrics.attach({ podsByPhase: () => pods.podsByPhase(), queueDepth: () => pods.queueDepth });
      ready = true;
      log.info('provider running', {
        node: config.nodeName,
        cciNamespace: config.cciNamespace,
        healthPort,
      });
    };
    if (!options.leaderElection) {
      await startActing();
      return running;
    }
    const elector = new LeaderElector(kc, {
      ...options.leaderElection,
      onAcquireError: (error) =>
        log.warn('cannot take the leader Lease; retrying', {
          lease: `${options.leaderElection?.namespace}/${options.leaderElection?.name}`,
          error: errorText(error),
        }),
    });
    stoppers.push(() => elector.stop());
    // A standby is healthy and ready (it serves the webhook); it acts once it leads.
    ready = true;
    log.info('waiting to lead', {
      lease: `${options.leaderElection.namespace}/${options.leaderElection.name}`,
    });
    running.started = elector.acquire().then(async (leading) => {
      if (!leading || stopping) return;
      log.info('leading', { identity: options.leaderElection?.identity });
      // The lead is kept only while the node's heartbeats succeed (or, before the node is up, for
      // the start-up grace): a leader that hangs lets its lock lapse, so a standby takes over and,
      // where the lock is the node's Lease, the cluster sees the node stop.
      const leadingSince = Date.now();
      const heartbeatWindow = 3 * (options.renewIntervalMs ?? 10_000);
      const healthy = () =>
        running.node
          ? Date.now() - running.node.lastHeartbeat < heartbeatWindow
          : Date.now() - leadingSince < STARTUP_GRACE_MS;
      elector.keepLeading(() => {
        log.error('lost the lead; stopping');
        options.onLostLeadership?.();
      }, healthy);
      await startActing();
    });
    running.started.catch((error: unknown) => log.error('could not start', { error: String(error) }));
    return running;
  } catch (error) {
    await stop();
    throw error;
  }
}
