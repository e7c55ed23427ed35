// The runtime's connection to the apiserver as the node it is: the cluster (server and CA) from a
// kubeconfig when one is given, else from the pod's environment as client-go's in-cluster config
// takes it (KUBERNETES_SERVICE_HOST/PORT; the CA from the kube-root-ca.crt ConfigMap, since the
// runtime's pod mounts no ServiceAccount token), and the user from the node's client certificate.
// The certificate files are named, not copied, so a renewed Secret reaches the next connection.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../errors.js';

export interface NodeIdentity {
  /** Holds tls.crt and tls.key: the node's client certificate and key. */
  credentialsDir: string;
  /** The cluster CA, for the in-cluster connection. */
  clusterCaFile: string;
}

function inClusterServer(env: NodeJS.ProcessEnv): string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port)
    throw new ConfigError(
      'no kubeconfig and no in-cluster address: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set',
    );
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A kubeconfig whose user is the node; `base` (from --kubeconfig or $KUBECONFIG) gives the cluster. */
export function nodeKubeConfig(
  identity: NodeIdentity,
  base: KubeConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): KubeConfig {
  const certFile = path.join(identity.credentialsDir, 'tls.crt');
  const keyFile = path.join(identity.credentialsDir, 'tls.key');
  for (const file of [certFile, keyFile])
    if (!existsSync(file)) throw new ConfigError(`node credentials: ${file} does not exist`);
  const from = base?.getCurrentCluster();
  if (!from && !existsSync(identity.clusterCaFile))
    throw new ConfigError(`cluster CA: ${identity.clusterCaFile} does not exist`);
  const cluster = from
    ? { ...from, name: 'cluster' }
    : { name: 'cluster', server: inClusterServer(env), caFile: identity.clusterCaFile, skipTLSVerify: false };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'node', certFile, keyFile }],
    contexts: [{ name: 'node', cluster: 'cluster', user: 'node' }],
    currentContext: 'node',
  });
  return kc;
}
