// `vkctl proxy`: the interconnect sidecar of a CCI pod. It follows the cluster's Services and
// EndpointSlices, answers DNS for their names with loopback aliases, and forwards TCP from each
// alias to the Service's ready endpoints (CCE pod IPs are routable from CCI in VPC network mode).
// Unsupported Services (not ClusterIP, headless) are logged once each and listed on /services.
import { LISTENER_OPTIONS } from '../listener-limits.js';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../logger.js';
import { serveControl, type ControlServer } from './control-socket.js';
import { startDnsServer } from './dns-server.js';
import { followKubeConfig, type KubeConfigSource } from './kubeconfig-reload.js';
import { ServiceTable } from './service-table.js';
import { TcpForwarder } from './tcp-forwarder.js';

export interface ProxyOptions {
  kc: KubeConfig;
  dns: { host: string; port: number };
  clusterDomain: string;
  upstreamDns?: string;
  /** /healthz and /services on 127.0.0.1; 0 picks a free port. */
  statusPort?: number;
  /** Ports the pod's containers listen on: not served (see TcpForwarder). */
  reservedPorts?: number[];
  /** Where the credentials come from, to reload them when they change (a refreshed token). */
  reloadKubeConfig?: KubeConfigSource;
  /**
   * The unix socket `vkctl proxy wait` and `vkctl proxy stop` talk to (control-socket.ts), open
   * from the moment DNS is served; `onStopRequest` is called when asked to stop.
   */
  control?: { socket: string; onStopRequest(): void };
  log: Logger;
}

export interface RunningProxy {
  dnsPort: number;
  statusPort?: number;
  stop(): Promise<void>;
}

export async function runProxy(options: ProxyOptions): Promise<RunningProxy> {
  const { log } = options;
  const table = new ServiceTable(options.kc, (error) =>
    log.warn('watching Services failed; retrying', { error: (error as Error).message ?? String(error) }),
  );
  const forwarder = new TcpForwarder(table, log, new Set(options.reservedPorts ?? []));
  if (options.reservedPorts?.length)
    log.info('Service ports the pod listens on itself are not served', { ports: options.reservedPorts });
  const reported = new Set<string>();
  // Listener changes go one at a time; a burst of changes (a relist) makes one sync, not one each.
  let syncing = Promise.resolve();
  let syncQueued = false;
  const scheduleSync = () => {
    if (syncQueued) return;
    syncQueued = true;
    syncing = syncing.then(() => {
      syncQueued = false;
      return forwarder.sync();
    });
  };
  table.on('changed', () => {
    scheduleSync();
    for (const service of table.unsupported()) {
      const key = `${service.namespace}/${service.name}: ${service.reason}`;
      if (reported.has(key)) continue;
      reported.add(key);
      log.warn('Service not served', {
        service: `${service.namespace}/${service.name}`,
        reason: service.reason,
      });
    }
  });
  // DNS first: names outside the cluster resolve while the Services are still being listed.
  const dns = await startDnsServer({
    host: options.dns.host,
    port: options.dns.port,
    clusterDomain: options.clusterDomain,
    upstream: options.upstreamDns,
    table,
    log,
  });
  let ready = false;
  let control: ControlServer | undefined;
  const wanted = options.control;
  if (wanted) {
    control = await serveControl(wanted.socket, {
      state: () => (ready ? 'ready' : 'starting'),
      stop: () => {
        log.info('asked to stop');
        wanted.onStopRequest();
      },
    });
  }
  await table.start();
  await syncing;
  // A refreshed token arrives as a rewritten kubeconfig: follow it with new watches.
  const stopReloading = options.reloadKubeConfig
    ? followKubeConfig(options.reloadKubeConfig, (kc) => table.restart(kc), log)
    : undefined;
  let status: http.Server | undefined;
  if (options.statusPort !== undefined) {
    status = http.createServer(LISTENER_OPTIONS, (req, res) => {
      if (req.url === '/healthz') return void res.end('ok');
      if (req.url !== '/services') return void res.writeHead(404).end();
      const served = table.served().map((s) => ({
        service: `${s.namespace}/${s.name}`,
        clusterIP: s.clusterIP,
        alias: s.alias,
        ports: s.ports.map((p) => ({ ...p, endpoints: table.endpoints(s, p).length })),
      }));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ served, unsupported: table.unsupported(), listening: forwarder.addresses() }));
    });
    await new Promise<void>((resolve) => status?.listen(options.statusPort, '127.0.0.1', () => resolve()));
  }
  const address = status?.address();
  ready = true;
  log.info('proxy ready', { dnsPort: dns.port, services: table.served().length });
  return {
    dnsPort: dns.port,
    statusPort: typeof address === 'object' && address ? address.port : undefined,
    stop: async () => {
      await control?.close();
      stopReloading?.();
      status?.closeAllConnections();
      await new Promise<void>((resolve) => (status ? status.close(() => resolve()) : resolve()));
      await dns.stop();
      await syncing;
      await forwarder.stop();
      await table.stop();
    },
  };
}
