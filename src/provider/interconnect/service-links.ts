// Service links for CCI pods, with interconnect on. A kubelet gives every container environment
// variables for the Services of its namespace (`<NAME>_SERVICE_HOST`, `<NAME>_PORT_<port>_TCP`...)
// and for `kubernetes`; CCI's kubelet knows only its own namespace's Services, so a burst pod would
// lose them. The runtime adds them as the kubelet words them, with the host being the Service's
// loopback alias, where the proxy sidecar serves it: a client that takes the cluster IP from its
// environment connects through the sidecar. Variables the pod sets itself win, as on a node.
import type { V1EnvVar, V1Pod, V1Service } from '@kubernetes/client-node';
import { aliasOf } from './aliases.js';
import { PROXY_CONTAINER } from './sidecar.js';
import { unsupportedReason } from './service-table.js';
import { deepCopy } from '../deep-copy.js';

const prefixOf = (name: string) => name.toUpperCase().replace(/-/g, '_');

/** The kubelet's variables for one Service, its host replaced by the alias. */
export function serviceLinkEnv(service: V1Service): V1EnvVar[] {
  if (unsupportedReason(service)) return [];
  const host = aliasOf(service.spec?.clusterIP ?? '');
  const prefix = prefixOf(service.metadata?.name ?? '');
  const ports = service.spec?.ports ?? [];
  const [first] = ports;
  if (!first) return [];
  const env: V1EnvVar[] = [
    { name: `${prefix}_SERVICE_HOST`, value: host },
    { name: `${prefix}_SERVICE_PORT`, value: String(first.port) },
  ];
  for (const port of ports)
    if (port.name)
      env.push({ name: `${prefix}_SERVICE_PORT_${prefixOf(port.name)}`, value: String(port.port) });
  const protocol = (first.protocol ?? 'TCP').toLowerCase();
  env.push({ name: `${prefix}_PORT`, value: `${protocol}://${host}:${first.port}` });
  for (const port of ports) {
    const proto = (port.protocol ?? 'TCP').toLowerCase();
    const base = `${prefix}_PORT_${port.port}_${proto.toUpperCase()}`;
    env.push(
      { name: base, value: `${proto}://${host}:${port.port}` },
      { name: `${base}_PROTO`, value: proto },
      { name: `${base}_PORT`, value: String(port.port) },
      { name: `${base}_ADDR`, value: host },
    );
  }
  return env;
}

/**
 * The pod with service links for `services` (its namespace's, unless the pod turned them off with
 * enableServiceLinks: false) and for `kubernetes`, in every container but the sidecar.
 */
export function withServiceLinks(
  cciPod: V1Pod,
  namespaceServices: V1Service[],
  kubernetes?: V1Service,
): V1Pod {
  const pod = deepCopy(cciPod);
  const spec = pod.spec;
  if (!spec) return pod;
  const services = [
    ...(spec.enableServiceLinks === false ? [] : namespaceServices),
    ...(kubernetes ? [kubernetes] : []),
  ];
  const links = services.flatMap(serviceLinkEnv);
  // The cluster's links would clash with CCI's own for the same names: CCI's are of no use here.
  spec.enableServiceLinks = false;
  if (links.length === 0) return pod;
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    if (container.name === PROXY_CONTAINER) continue;
    const own = new Set((container.env ?? []).map((e) => e.name));
    container.env = [...links.filter((e) => !own.has(e.name)), ...(container.env ?? [])];
  }
  return pod;
}
