// The identities an installed runtime's pod has, for runtimes the tests start in-process: the node
// system:node:<name> with a client certificate from the cluster's kube-apiserver-client-kubelet
// signer and no RBAC at all (as installed: the Node authorizer and NodeRestriction alone confine
// it), and, for the approver beside it, a ServiceAccount bound to the shipped ClusterRole of the
// current version's 20-rbac.yaml (vkctl-csr-approver), under a test-unique name. So every
// in-process runtime is confined exactly as the installed one is, and its serving certificate is
// approved by what ships.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig, type V1PolicyRule } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { cliVersion } from '../../src/shared/catalog.js';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER, requestNodeCertificate } from '../../src/kube/csr.js';
import { nodeKubeConfig } from '../../src/kube/node-kubeconfig.js';
import type { TestEnvironment } from './environment.js';

type Shipped = { kind?: string; metadata?: { name?: string }; rules?: V1PolicyRule[] };

function shippedRbac(): Shipped[] {
  const file = fileURLToPath(new URL(`../../manifests/${cliVersion()}/20-rbac.yaml`, import.meta.url));
  const text = readFileSync(file, 'utf8').replace(/\{\{[^}]*\}\}/g, 'placeholder');
  return parseAllDocuments(text).map((d) => d.toJS() as Shipped);
}

function shippedRules(clusterRole: string): V1PolicyRule[] {
  const found = shippedRbac().find((d) => d.kind === 'ClusterRole' && d.metadata?.name === clusterRole);
  if (!found?.rules)
    throw new Error(`manifests/${cliVersion()}/20-rbac.yaml has no ClusterRole ${clusterRole}`);
  return found.rules;
}

const identities = new Map<string, Promise<string>>();

/** The node's client certificate in a directory (tls.crt, tls.key), issued once per node name. */
function credentialsDir(env: TestEnvironment, nodeName: string): Promise<string> {
  let dir = identities.get(nodeName);
  if (!dir) {
    dir = requestNodeCertificate(env.kc, {
      nodeName,
      signerName: KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
      validitySeconds: 24 * 3600,
      approval: { reason: 'VkctlTest', message: 'the identity of a test runtime' },
      timeoutMs: 30_000,
    }).then((issued) => {
      const at = mkdtempSync(path.join(os.tmpdir(), `vkctl-node-${nodeName}-`));
      writeFileSync(path.join(at, 'tls.crt'), issued.cert);
      writeFileSync(path.join(at, 'tls.key'), issued.key, { mode: 0o600 });
      return at;
    });
    identities.set(nodeName, dir);
  }
  return dir;
}

async function ignoreConflict(call: Promise<unknown>): Promise<void> {
  await call.catch((error: unknown) => {
    if ((error as { code?: number }).code !== 409) throw error;
  });
}

/** A kubeconfig for `nodeName` as its runtime is installed: the node's certificate, nothing bound to it. */
export async function testNodeKubeConfig(env: TestEnvironment, nodeName: string): Promise<KubeConfig> {
  return nodeKubeConfig({ credentialsDir: await credentialsDir(env, nodeName), clusterCaFile: '' }, env.kc);
}

const APPROVER_ACCOUNT = { name: 'vkctl-test-approver', namespace: 'kube-system' };
let approverKubeConfig: Promise<KubeConfig> | undefined;

/**
 * A kubeconfig of the approver's identity: a ServiceAccount bound to the shipped vkctl-csr-approver
 * rules (made once per run), with a token of it, as the approver container's projected volume holds.
 */
export function testApproverKubeConfig(env: TestEnvironment): Promise<KubeConfig> {
  approverKubeConfig ??= (async () => {
    const { name, namespace } = APPROVER_ACCOUNT;
    await ignoreConflict(
      env.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }),
    );
    await ignoreConflict(
      env.rbac.createClusterRole({
        body: { metadata: { name: 'vkctl-test-csr-approver' }, rules: shippedRules('vkctl-csr-approver') },
      }),
    );
    await ignoreConflict(
      env.rbac.createClusterRoleBinding({
        body: {
          metadata: { name: 'vkctl-test-csr-approver' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'vkctl-test-csr-approver',
          },
          subjects: [{ kind: 'ServiceAccount', name, namespace }],
        },
      }),
    );
    const request = await env.core.createNamespacedServiceAccountToken({
      name,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
    });
    const kc = new KubeConfig();
    const cluster = env.kc.getCurrentCluster();
    if (!cluster) throw new Error('the test kubeconfig has no cluster');
    kc.loadFromOptions({
      clusters: [{ ...cluster, name: 'cluster' }],
      users: [{ name, token: request.status?.token ?? '' }],
      contexts: [{ name: 'approver', cluster: 'cluster', user: name }],
      currentContext: 'approver',
    });
    return kc;
  })();
  approverKubeConfig.catch(() => (approverKubeConfig = undefined));
  return approverKubeConfig;
}
