// A kubeconfig for a plain-HTTP test server on this machine, with a bearer token the server can look for.
import { KubeConfig } from '@kubernetes/client-node';

export function localKubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses an http:// server unless TLS verification is off.
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}
