// With interconnect on, each CCI pod gets the proxy as a sidecar (`vkctl proxy`, the add-on's own
// image), as the managed add-on injects one: a native sidecar (an init container that keeps
// running), so a Job's pod still completes when its app containers do. The pod's resolver points
// at it (dnsPolicy None, nameserver 127.0.0.1, the cluster's search path), and it reads the
// cluster's Services with the vkctl-proxy ServiceAccount's token from a kubeconfig Secret in CCI.
// Ports the pod itself listens on are passed as --reserved-ports: the proxy does not serve Service
// ports that would collide with them (an alias listener would make the app's own listen fail).
//
// Its size counts toward CCI's pod size rules: it takes 0.25 core (CCI's smallest container) and
// 1 GiB (so the pod's memory stays a whole number of GiB), added to the pod. The runtime judges the
// pod's rules with the sidecar in it, so a pod that fits without it but not with it (e.g. at 32
// cores) fails with that reason instead of being refused by CCI.
import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { ORIGIN_NAMESPACE } from '../translate.js';

export const PROXY_CONTAINER = 'vkctl-proxy';
export const PROXY_KUBECONFIG_SECRET = 'vkctl-proxy-kubeconfig';
export const PROXY_RESOURCES = { cpu: '250m', memory: '1Gi' };
const KUBECONFIG_DIR = '/etc/vkctl-proxy';

export interface ProxySidecarSettings {
  image: string;
  clusterDomain: string;
  /** The resolver for names outside the cluster (host:port): the pod's own resolver is the sidecar. */
  upstreamDns?: string;
}

/** The ports the pod's containers listen on: declared container ports and numeric probe ports. */
export function listeningPorts(spec: V1PodSpec): number[] {
  const ports = new Set<number>();
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    for (const port of container.ports ?? []) ports.add(port.containerPort);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      for (const port of [probe?.httpGet?.port, probe?.tcpSocket?.port, probe?.grpc?.port])
        if (typeof port === 'number') ports.add(port);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

export function withProxySidecar(cciPod: V1Pod, settings: ProxySidecarSettings): V1Pod {
  const pod = structuredClone(cciPod);
  const spec = pod.spec ?? { containers: [] };
  const reserved = listeningPorts(spec);
  const namespace = pod.metadata?.annotations?.[ORIGIN_NAMESPACE] ?? 'default';
  const domain = settings.clusterDomain;
  spec.initContainers = [
    {
      name: PROXY_CONTAINER,
      image: settings.image,
      restartPolicy: 'Always',
      args: [
        'proxy',
        '--dns-address=127.0.0.1:53',
        `--cluster-domain=${domain}`,
        ...(settings.upstreamDns ? [`--upstream-dns=${settings.upstreamDns}`] : []),
        `--kubeconfig=${KUBECONFIG_DIR}/kubeconfig`,
        ...(reserved.length > 0 ? [`--reserved-ports=${reserved.join(',')}`] : []),
      ],
      // Its own identity, whatever the pod's: it binds port 53 and Service ports below 1024.
      securityContext: {
        runAsUser: 0,
        runAsNonRoot: false,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      },
      resources: { requests: PROXY_RESOURCES, limits: PROXY_RESOURCES },
      volumeMounts: [{ name: PROXY_KUBECONFIG_SECRET, mountPath: KUBECONFIG_DIR, readOnly: true }],
    },
    ...(spec.initContainers ?? []).filter((c) => c.name !== PROXY_CONTAINER),
  ];
  spec.volumes = [
    ...(spec.volumes ?? []).filter((v) => v.name !== PROXY_KUBECONFIG_SECRET),
    { name: PROXY_KUBECONFIG_SECRET, secret: { secretName: PROXY_KUBECONFIG_SECRET } },
  ];
  // The pod's own search domains and options stay, after the cluster's; its nameservers give way.
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
