// `vkctl provider run`: prepares the CCI side (the burst namespace and its Network on the cluster's
// subnet), registers the virtual node, moves its pods to CCI, and serves /healthz and /readyz.
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { cliVersion } from '../addon/catalog.js';
import type { CciApi } from '../cloud/cci.js';
import { loadCloudConfig } from '../cloud/config.js';
import { CloudSession } from '../cloud/session.js';
import type { ProviderConfig } from './config.js';
import { VirtualNode } from './node.js';
import { PodController } from './pod-controller.js';
import { startWebhookServer } from './webhook-server.js';

export interface RunningProvider {
  node: VirtualNode;
  healthPort: number;
  webhookPort?: number;
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
  log: (message: string) => void;
  renewIntervalMs?: number;
  /** Serve the burst-policy webhook with this certificate (the vkctl-webhook-tls Secret). */
  webhook?: { cert: string; key: string; port: number; host?: string };
}

/** The namespace and its Network on the cluster's node subnet (or the configured one). */
async function prepareCci(session: CloudSession, config: ProviderConfig): Promise<CciApi> {
  const cci = await session.cci();
  await cci.ensureNamespace(config.cciNamespace);
  const cluster = await (await session.cce()).cluster(config.clusterId);
  const subnets = await (await session.vpc()).subnets(cluster.spec.hostNetwork.vpc);
  const subnet = config.subnetId
    ? subnets.find((s) => s.neutron_subnet_id === config.subnetId || s.id === config.subnetId)
    : subnets.find((s) => s.id === cluster.spec.hostNetwork.subnet);
  if (!subnet)
    throw new Error(
      `subnet ${config.subnetId || cluster.spec.hostNetwork.subnet} not found in VPC ${cluster.spec.hostNetwork.vpc}`,
    );
  await cci.ensureNetwork(config.cciNamespace, {
    metadata: { name: 'vkctl-network' },
    spec: {
      cidr: subnet.cidr,
      attachedVPC: subnet.vpc_id,
      networkID: subnet.id,
      subnetID: subnet.neutron_subnet_id,
      networkType: 'underlay_neutron',
    },
  });
  return cci;
}

/** /healthz answers as soon as the process listens; /readyz only once `isReady()` says so. */
async function startHealthServer(port: number, isReady: () => boolean): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const status = req.url === '/healthz' ? 200 : req.url === '/readyz' ? (isReady() ? 200 : 503) : 404;
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(status === 200 ? 'ok' : status === 503 ? 'starting' : 'not found');
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return server;
}

export async function runProvider(options: ProviderOptions): Promise<RunningProvider> {
  const { config } = options;
  // Health first, so probes get an answer (not a refused connection) while the rest starts.
  let ready = false;
  const health = await startHealthServer(options.healthPort, () => ready);
  const address = health.address();
  const healthPort = typeof address === 'object' && address ? address.port : options.healthPort;
  const stoppers: (() => Promise<void> | void)[] = [
    async () => {
      health.closeAllConnections();
      await new Promise<void>((resolve) => health.close(() => resolve()));
    },
  ];
  const stop = async () => {
    for (const stopOne of [...stoppers].reverse()) await stopOne();
  };
  try {
    const webhook = options.webhook
      ? await startWebhookServer(options.webhook, options.webhook.port, options.webhook.host)
      : undefined;
    if (webhook) stoppers.push(() => webhook.stop());
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
    const cci = await prepareCci(new CloudSession(cloud), config);
    const node = new VirtualNode(
      options.kc,
      {
        name: config.nodeName,
        capacity: config.capacity,
        address: options.address,
        kubeletPort: options.kubeletPort,
        version: cliVersion(),
        renewIntervalMs: options.renewIntervalMs,
      },
      options.log,
    );
    await node.start();
    stoppers.push(() => node.stop());
    const pods = new PodController(options.kc, cci, {
      nodeName: config.nodeName,
      cciNamespace: config.cciNamespace,
      log: options.log,
    });
    await pods.start();
    stoppers.push(() => pods.stop());
    ready = true;
    options.log(
      `provider running: node ${config.nodeName}, CCI namespace ${config.cciNamespace}, health on :${healthPort}`,
    );
    return { node, healthPort, webhookPort: webhook?.port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
