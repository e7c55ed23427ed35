// A runtime with interconnect on, for a describe block: what `install --interconnect` sets up first
// (the proxy's ServiceAccount, bound to the shipped read-only ClusterRole, so the tests prove that
// what ships is enough), then the runtime with the proxy settings, and its CCI pods by cluster name.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1ClusterRole, V1Pod } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { cliVersion } from '../../src/shared/catalog.js';
import { cciPodName } from '../../src/provider/translate.js';
import type { TestEnvironment } from './environment.js';
import { cciBackend, cciNamespaceOf, testProviderConfig, useTestProvider } from './provider.js';

export const PROXY_IMAGE = 'swr.example/vkctl/vkctl:test';
const ADDON_NAMESPACE = 'kube-system';

const manifest = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  `../../manifests/${cliVersion()}/80-interconnect.yaml`,
);

function shippedProxyRole(): V1ClusterRole {
  const text = readFileSync(manifest, 'utf8').replace(/\{\{[#/]?[a-z]+\}\}/g, ADDON_NAMESPACE);
  const docs = parseAllDocuments(text).map((d) => d.toJS() as { kind?: string });
  return docs.find((d) => d.kind === 'ClusterRole') as V1ClusterRole;
}

export function useInterconnectProvider(env: () => TestEnvironment, prefix: string) {
  const roleName = `vkctl-proxy-${prefix}`;
  // What the kubelet projects into the installed runtime's pod: a vkctl-proxy token (a node may not
  // request one itself).
  const tokenFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'vkctl-proxy-token-')), 'token');
  before(async () => {
    await env()
      .core.createNamespacedServiceAccount({
        namespace: ADDON_NAMESPACE,
        body: { metadata: { name: 'vkctl-proxy' } },
      })
      .catch(() => undefined);
    await env().rbac.createClusterRole({ body: { ...shippedProxyRole(), metadata: { name: roleName } } });
    await env().rbac.createClusterRoleBinding({
      body: {
        metadata: { name: roleName },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
        subjects: [{ kind: 'ServiceAccount', name: 'vkctl-proxy', namespace: ADDON_NAMESPACE }],
      },
    });
    const token = await env().core.createNamespacedServiceAccountToken({
      name: 'vkctl-proxy',
      namespace: ADDON_NAMESPACE,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    writeFileSync(tokenFile, token.status?.token ?? '');
  });
  after(async () => {
    await env()
      .rbac.deleteClusterRoleBinding({ name: roleName })
      .catch(() => undefined);
    await env()
      .rbac.deleteClusterRole({ name: roleName })
      .catch(() => undefined);
  });
  const vk = useTestProvider(env, prefix, () => ({
    proxyTokenFile: tokenFile,
    config: {
      ...testProviderConfig(env(), vk.nodeName),
      interconnect: true,
      proxy: {
        image: PROXY_IMAGE,
        namespace: ADDON_NAMESPACE,
        clusterDomain: 'cluster.local',
        upstreamDns: '192.0.2.53:53',
      },
    },
  }));
  return {
    ...vk,
    /** The CCI pod of the cluster's pod `namespace/name`. */
    cciPod: (namespace: string, name: string): Promise<V1Pod> =>
      cciBackend(env()).readNamespacedPod({
        name: cciPodName(namespace, name),
        namespace: cciNamespaceOf(env()),
      }),
  };
}
