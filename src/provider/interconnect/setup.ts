// Interconnect's part of the runtime's start: with it on, the proxy sidecars' credentials exist in
// CCI before the first pod that mounts them, and kept fresh; with it off, they are removed from CCI
// (pods made since have no sidecar; older ones keep theirs until they go).
import type { KubeConfig } from '@kubernetes/client-node';
import type { CciBackend } from '../cci-backend.js';
import type { ProviderConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Shutdown } from '../shutdown.js';
import { ProxyCredentials } from './proxy-credentials.js';
import { PROXY_KUBECONFIG_SECRET, type ProxySidecarSettings } from './sidecar.js';

/** The sidecar every new CCI pod gets, or undefined when interconnect is off. */
export async function setUpInterconnect(
  kc: KubeConfig,
  cci: CciBackend,
  config: ProviderConfig,
  options: { log: Logger; shutdown: Shutdown; proxyTokenFile?: string },
): Promise<ProxySidecarSettings | undefined> {
  const { log } = options;
  const proxy = config.interconnect ? config.proxy : undefined;
  if (config.interconnect && !proxy)
    log.warn('interconnect is on but the config has no proxy settings: CCI pods get no sidecar');
  if (!proxy) {
    await cci.remove(config.cciNamespace, 'secrets', PROXY_KUBECONFIG_SECRET);
    return undefined;
  }
  const credentials = new ProxyCredentials(kc, cci, config.cciNamespace, proxy.namespace, log, {
    tokenFile: options.proxyTokenFile,
  });
  // Stoppable before it starts: it may wait for its token file.
  await options.shutdown.add(() => credentials.stop());
  await credentials.start();
  return {
    image: proxy.image,
    clusterDomain: proxy.clusterDomain,
    upstreamDns: proxy.upstreamDns || undefined,
  };
}
