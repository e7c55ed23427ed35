// What `vkctl proxy` knows of the cluster's Services: each ClusterIP Service's ports and its ready
// endpoints, followed by watch (Services and EndpointSlices, cluster-wide, read-only). Only
// ClusterIP Services with a cluster IP are served (the add-on's documented limit); any other type,
// and headless Services, are listed as unsupported with the reason, so they are reported rather
// than silently broken.
import {
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Service,
} from '@kubernetes/client-node';
import { EventEmitter } from 'node:events';
import { startInformer, type RunningInformer } from '../../kube/informer.js';
import { aliasOf } from './aliases.js';

export interface ServedPort {
  name: string;
  port: number;
  protocol: string;
}

export interface ServedService {
  namespace: string;
  name: string;
  clusterIP: string;
  /** The loopback address the proxy serves this Service on (see aliases.ts). */
  alias: string;
  ports: ServedPort[];
}

export interface UnsupportedService {
  namespace: string;
  name: string;
  reason: string;
}

export interface Endpoint {
  ip: string;
  port: number;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Why a Service cannot be served, or undefined when it can. */
export function unsupportedReason(service: V1Service): string | undefined {
  const type = service.spec?.type ?? 'ClusterIP';
  if (type === 'ExternalName') return 'ExternalName Services are not supported (only ClusterIP)';
  if (type !== 'ClusterIP') return `${type} Services are not supported (only ClusterIP)`;
  const ip = service.spec?.clusterIP;
  if (!ip || ip === 'None') return 'headless Services are not supported (no cluster IP)';
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return `cluster IP ${ip} is not IPv4`;
  return undefined;
}

/** Emits 'changed' whenever a Service or EndpointSlice changes. */
export class ServiceTable extends EventEmitter {
  private services: RunningInformer<V1Service> | undefined;
  private slices: RunningInformer<V1EndpointSlice> | undefined;
  private index: Map<string, ServedService> | undefined;
  /** True once both lists have loaded: before that, no name is known either way. */
  synced = false;

  constructor(
    private kc: KubeConfig,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    super();
  }

  async start(): Promise<void> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const discovery = this.kc.makeApiClient(DiscoveryV1Api);
    const changed = () => {
      this.index = undefined;
      this.emit('changed');
    };
    const handlers = { add: changed, update: changed, delete: changed, error: this.onError };
    this.services = startInformer<V1Service>(
      this.kc,
      '/api/v1/services',
      () => core.listServiceForAllNamespaces(),
      handlers,
    );
    this.slices = startInformer<V1EndpointSlice>(
      this.kc,
      '/apis/discovery.k8s.io/v1/endpointslices',
      () => discovery.listEndpointSliceForAllNamespaces(),
      handlers,
    );
    await Promise.all([this.services.synced, this.slices.synced]);
    this.synced = true;
    changed();
  }

  /** Follows with new credentials (a refreshed token): new watches, the same table. */
  async restart(kc: KubeConfig): Promise<void> {
    const old = [this.services, this.slices];
    this.kc = kc;
    await this.start();
    for (const informer of old) await informer?.stop();
  }

  async stop(): Promise<void> {
    await Promise.all([this.services?.stop(), this.slices?.stop()]);
  }

  served(): ServedService[] {
    return [...this.servedIndex().values()];
  }

  private servedIndex(): Map<string, ServedService> {
    if (this.index) return this.index;
    const index = new Map<string, ServedService>();
    for (const service of this.services?.list() ?? []) {
      if (unsupportedReason(service)) continue;
      const clusterIP = service.spec?.clusterIP ?? '';
      const served: ServedService = {
        namespace: service.metadata?.namespace ?? '',
        name: service.metadata?.name ?? '',
        clusterIP,
        alias: aliasOf(clusterIP),
        ports: (service.spec?.ports ?? []).map((p) => ({
          name: p.name ?? '',
          port: p.port,
          protocol: p.protocol ?? 'TCP',
        })),
      };
      index.set(`${served.namespace}/${served.name}`, served);
    }
    this.index = index;
    return index;
  }

  unsupported(): UnsupportedService[] {
    return (this.services?.list() ?? []).flatMap((service) => {
      const reason = unsupportedReason(service);
      return reason
        ? [{ namespace: service.metadata?.namespace ?? '', name: service.metadata?.name ?? '', reason }]
        : [];
    });
  }

  find(namespace: string, name: string): ServedService | undefined {
    return this.servedIndex().get(`${namespace}/${name}`);
  }

  /** The ready endpoints for a Service port (matched by port name, as the endpoints controller does). */
  endpoints(service: ServedService, port: ServedPort): Endpoint[] {
    const slices = (this.slices?.list(service.namespace) ?? []).filter(
      (s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === service.name && s.addressType === 'IPv4',
    );
    return slices.flatMap((slice) => {
      const target = (slice.ports ?? []).find((p) => (p.name ?? '') === port.name);
      if (!target?.port) return [];
      return slice.endpoints
        .filter((e) => e.conditions?.ready !== false)
        .flatMap((e) => e.addresses.map((ip) => ({ ip, port: target.port ?? 0 })));
    });
  }
}
