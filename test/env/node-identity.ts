// The identity an installed runtime has, for runtimes the tests start in-process: the node
// system:node:<name> with a client certificate from the cluster's kube-apiserver-client-kubelet
// signer, and, bound to that user under a test-unique name, the shipped ClusterRole of the current
// version's 20-rbac.yaml. So every in-process runtime is confined by the Node
// authorizer and NodeRestriction exactly as the installed one is.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig, V1ClusterRole, V1PolicyRule } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { cliVersion } from '../../src/addon/catalog.js';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER, requestNodeCertificate } from '../../src/kube/csr.js';
import { nodeKubeConfig } from '../../src/kube/node-kubeconfig.js';
import type { TestEnvironment } from './environment.js';

type Shipped = { kind?: string; metadata?: { name?: string }; rules?: V1PolicyRule[] };

function shippedRbac(): Shipped[] {
  const file = fileURLToPath(new URL(`../../manifests/${cliVersion()}/20-rbac.yaml`, import.meta.url));
  const text = readFileSync(file, 'utf8').replace(/\{\{[^}]*\}\}/g, 'placeholder');
  return parseAllDocuments(text).map((d) => d.toJS() as Shipped);
}

function shippedRules(kind: 'ClusterRole'): V1PolicyRule[] {
  const found = shippedRbac().find((d) => d.kind === kind);
  if (!found?.rules) throw new Error(`manifests/${cliVersion()}/20-rbac.yaml has no ${kind}`);
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

/** A kubeconfig for `nodeName` as its runtime is installed: the node's certificate, and the shipped rules bound to it. */
export async function testNodeKubeConfig(env: TestEnvironment, nodeName: string): Promise<KubeConfig> {
  const user = `system:node:${nodeName}`;
  const subjects = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }];
  const clusterRole: V1ClusterRole = {
    metadata: { name: 'vkctl-test-provider-node' },
    rules: shippedRules('ClusterRole'),
  };
  await ignoreConflict(env.rbac.createClusterRole({ body: clusterRole }));
  await ignoreConflict(
    env.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: `vkctl-test-${nodeName}` },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'vkctl-test-provider-node',
        },
        subjects,
      },
    }),
  );
  return nodeKubeConfig({ credentialsDir: await credentialsDir(env, nodeName), clusterCaFile: '' }, env.kc);
}

/** Removes what testNodeKubeConfig bound for `nodeName` (the shared ClusterRole stays). */
export async function removeTestNodeBindings(env: TestEnvironment, nodeName: string): Promise<void> {
  await env.rbac.deleteClusterRoleBinding({ name: `vkctl-test-${nodeName}` }).catch(() => undefined);
}
