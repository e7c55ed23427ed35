// With interconnect on, each CCI pod gets the proxy as a sidecar (`vkctl proxy`, the add-on's own
// image, whose entrypoint is vkctl), as the managed add-on injects one. CCI's API is Kubernetes 1.19,
// which has no native sidecars (an init container with restartPolicy Always would be taken as an
// ordinary init container that never ends, and the pod would never start), so the proxy is an
// ordinary container, first in the list, with a postStart hook that returns once the proxy serves
// DNS: a 1.19 kubelet starts containers in list order and does not start the next one until the
// previous one's postStart hook has returned (kuberuntime_manager.go SyncPod step 7,
// kuberuntime_container.go startContainer step 4, at v1.19.16; kubernetes#81450; Istio's
// holdApplicationUntilProxyStarts works the same way), so the app never runs without it. A Job's pod
// still completes: once its app containers are done for good, the runtime execs `vkctl proxy stop`
// in the proxy (proxy-lifecycle.ts). The pod's resolver points at it (dnsPolicy None, nameserver
// 127.0.0.1 alone, the cluster's search path), and it reads the cluster's Services with the
// vkctl-proxy ServiceAccount's token from a kubeconfig Secret in CCI. Ports the pod itself listens
// on are passed as --reserved-ports: the proxy does not serve Service ports that would collide with
// them (an alias listener would make the app's own listen fail).
// Init containers run before any ordinary container, so before the proxy: they get no DNS at all.
//
// Its size counts toward CCI's pod size rules as any container's: 0.25 core (CCI's smallest
// container) and 1 GiB (so the pod's memory stays a whole number of GiB), added to the pod, and it
// is one of the pod's at most 5 containers. The runtime judges the pod's rules with the proxy in it,
// so a pod that fits without it but not with it (e.g. at 32 cores) fails with that reason instead of
// being refused by CCI.
import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { PROXY_CONTAINER, PROXY_KUBECONFIG_SECRET } from '../../shared/interconnect-names.js';
import { ORIGIN_NAMESPACE } from '../translate.js';
import { deepCopy } from '../deep-copy.js';

export { PROXY_CONTAINER, PROXY_KUBECONFIG_SECRET };
export const PROXY_RESOURCES = { cpu: '250m', memory: '1Gi' };
/** The proxy's postStart hook: bounded, so that a proxy that never answers cannot hold the pod. */
// eslint-disable-next-line vkctl/no-flag-spelling -- a command line vkctl runs itself, not advice
export const PROXY_WAIT_COMMAND = ['vkctl', 'proxy', 'wait', '--timeout=30s'];
/** What the runtime execs in the proxy container once the app containers are done. */
export const PROXY_STOP_COMMAND = ['vkctl', 'proxy', 'stop'];
const KUBECONFIG_DIR = '/etc/vkctl-proxy';

export interface ProxySidecarSettings {
  image: string;
  clusterDomain: string;
  /** The resolver for names outside the cluster (host:port): the pod's own resolver is the sidecar. */
  upstreamDns?: string;
}

/** Whether a CCI pod has the proxy: an ordinary container now, an init container if made earlier. */
export function hasProxy(spec: V1PodSpec | undefined): boolean {
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some(
    (c) => c.name === PROXY_CONTAINER,
  );
}

/** The ports the pod's containers listen on: declared container ports and numeric probe ports. */
export function listeningPorts(spec: V1PodSpec): number[] {
  const ports = new Set<number>();
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    if (container.name === PROXY_CONTAINER) continue;
    for (const port of container.ports ?? []) ports.add(port.containerPort);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      for (const port of [probe?.httpGet?.port, probe?.tcpSocket?.port, probe?.grpc?.port])
        if (typeof port === 'number') ports.add(port);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

export function withProxySidecar(cciPod: V1Pod, settings: ProxySidecarSettings): V1Pod {
  const pod = deepCopy(cciPod);
  const spec = pod.spec ?? { containers: [] };
  const reserved = listeningPorts(spec);
  const namespace = pod.metadata?.annotations?.[ORIGIN_NAMESPACE] ?? 'default';
  const domain = settings.clusterDomain;
  const proxy: V1Container = {
    name: PROXY_CONTAINER,
    image: settings.image,
    /* eslint-disable vkctl/no-flag-spelling -- the proxy command's own command line, not advice */
    args: [
      'proxy',
      '--dns-address=127.0.0.1:53',
      `--cluster-domain=${domain}`,
      ...(settings.upstreamDns ? [`--upstream-dns=${settings.upstreamDns}`] : []),
      `--kubeconfig=${KUBECONFIG_DIR}/kubeconfig`,
      ...(reserved.length > 0 ? [`--reserved-ports=${reserved.join(',')}`] : []),
    ],
    /* eslint-enable vkctl/no-flag-spelling */
    lifecycle: { postStart: { exec: { command: PROXY_WAIT_COMMAND } } },
    // Its own identity, whatever the pod's: it binds port 53 and Service ports below 1024.
    securityContext: {
      runAsUser: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    },
    resources: { requests: PROXY_RESOURCES, limits: PROXY_RESOURCES },
    volumeMounts: [{ name: PROXY_KUBECONFIG_SECRET, mountPath: KUBECONFIG_DIR, readOnly: true }],
  };
  // First: the kubelet starts the containers in list order, each after the one before's hook.
  spec.containers = [proxy, ...spec.containers.filter((c) => c.name !== PROXY_CONTAINER)];
  if (spec.initContainers)
    spec.initContainers = spec.initContainers.filter((c) => c.name !== PROXY_CONTAINER);
  spec.volumes = [
    ...(spec.volumes ?? []).filter((v) => v.name !== PROXY_KUBECONFIG_SECRET),
    { name: PROXY_KUBECONFIG_SECRET, secret: { secretName: PROXY_KUBECONFIG_SECRET } },
  ];
  // The pod's own search domains and options stay, after the cluster's; its nameservers give way.
  // The proxy is the only nameserver: with a second one (the upstream), a cluster name would get
  // that one's NXDOMAIN whenever the proxy is slow or restarting (glibc moves on to the next server
  // after a SERVFAIL or a timeout; musl asks all of them at once and takes the first answer).
  const own = spec.dnsConfig;
  spec.dnsPolicy = 'None';
  spec.dnsConfig = {
    nameservers: ['127.0.0.1'],
    searches: [...new Set([`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...(own?.searches ?? [])])],
    options: [
      ...(own?.options ?? []),
      ...(own?.options?.some((o) => o.name === 'ndots') ? [] : [{ name: 'ndots', value: '5' }]),
    ],
  };
  pod.spec = spec;
  return pod;
}
