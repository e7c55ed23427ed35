// With interconnect on, each CCI pod gets the proxy as a sidecar (`vkctl proxy`, the add-on's own
// image), as the managed add-on injects one: a native sidecar (an init container that keeps
// running), so a Job's pod still completes when its app containers do. The pod's resolver points
// at it (dnsPolicy None, nameserver 127.0.0.1, the cluster's search path), and it reads the
// cluster's Services with the vkctl-proxy ServiceAccount's token from a kubeconfig Secret in CCI.
//
// Its size counts toward CCI's pod size rules: it takes 0.25 core (CCI's smallest container) and
// 1 GiB (so the pod's memory stays a whole number of GiB), added to the pod. The runtime judges the
// pod's rules with the sidecar in it, so a pod that fits without it but not with it (e.g. at 32
// cores) fails with that reason instead of being refused by CCI.
import type { V1Pod } from '@kubernetes/client-node';
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

export function withProxySidecar(cciPod: V1Pod, settings: ProxySidecarSettings): V1Pod {
  const pod = structuredClone(cciPod);
  const spec = pod.spec ?? { containers: [] };
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
      ],
      resources: { requests: PROXY_RESOURCES, limits: PROXY_RESOURCES },
      volumeMounts: [{ name: PROXY_KUBECONFIG_SECRET, mountPath: KUBECONFIG_DIR, readOnly: true }],
    },
    ...(spec.initContainers ?? []).filter((c) => c.name !== PROXY_CONTAINER),
  ];
  spec.volumes = [
    ...(spec.volumes ?? []).filter((v) => v.name !== PROXY_KUBECONFIG_SECRET),
    { name: PROXY_KUBECONFIG_SECRET, secret: { secretName: PROXY_KUBECONFIG_SECRET } },
  ];
  spec.dnsPolicy = 'None';
  spec.dnsConfig = {
    nameservers: ['127.0.0.1'],
    searches: [`${namespace}.svc.${domain}`, `svc.${domain}`, domain],
    options: [{ name: 'ndots', value: '5' }],
  };
  pod.spec = spec;
  return pod;
}
