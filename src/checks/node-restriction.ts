// After install, with the runtime's own credentials: is the node identity confined? Its confinement
// rests on the cluster running NodeRestriction (and, from Kubernetes 1.31, its rule that a node asks
// for certificates only in its own name); nothing in the API says which admission plugins run, so
// this asks the cluster itself: a dry-run CSR in another node's name, made as the runtime's node,
// must be refused. Nothing is stored (dryRun=All).
import { CertificatesV1Api, KubeConfig } from '@kubernetes/client-node';
import forge from 'node-forge';
import { NODE_CREDENTIALS_SECRET, readNodeCredentials } from '../addon/node-credentials.js';
import { usesNodeCredentials } from '../addon/render.js';
import { CheckSkip, type Check } from './check.js';
import { statusCodeOf } from '../kube/errors.js';

/** A CSR naming another node, as a thief of the node's credentials would make it. */
function foreignCsr(nodeName: string): string {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([
    { name: 'commonName', value: `system:node:${nodeName}-not-this-one` },
    { name: 'organizationName', value: 'system:nodes' },
  ]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return Buffer.from(forge.pki.certificationRequestToPem(csr)).toString('base64');
}

export const nodeRestrictionCheck: Check = {
  id: 'node-restriction',
  category: 'runtime',
  description: 'the cluster confines the runtime’s node identity (NodeRestriction)',
  severity: 'warning',
  hint: 'enable the NodeRestriction admission plugin (CCE runs it), on Kubernetes 1.31 or newer; see docs/security.md',
  needs: ['release-present'],
  async run(ctx) {
    const release = await ctx.release();
    if (!release || !usesNodeCredentials(release.version))
      throw new CheckSkip(`${release?.version ?? 'this version'}'s runtime is not a node`);
    const credentials = await readNodeCredentials(ctx.core(), ctx.settings.namespace);
    if (!credentials) throw new Error(`${NODE_CREDENTIALS_SECRET} holds no node certificate`);
    const cluster = ctx.kubeConfig().getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig names no cluster');
    const asNode = new KubeConfig();
    asNode.loadFromOptions({
      clusters: [{ ...cluster, name: 'cluster' }],
      users: [
        {
          name: 'node',
          certData: Buffer.from(credentials.cert).toString('base64'),
          keyData: Buffer.from(credentials.key).toString('base64'),
        },
      ],
      contexts: [{ name: 'node', cluster: 'cluster', user: 'node' }],
      currentContext: 'node',
    });
    const attempt = await asNode
      .makeApiClient(CertificatesV1Api)
      .createCertificateSigningRequest({
        body: {
          metadata: { generateName: 'vkctl-doctor-' },
          spec: {
            request: foreignCsr(ctx.settings.nodeName),
            signerName: 'kubernetes.io/kubelet-serving',
            usages: ['digital signature', 'key encipherment', 'server auth'],
          },
        },
        dryRun: 'All',
      })
      .then(
        () => 'allowed' as const,
        (error: unknown) => statusCodeOf(error),
      );
    if (attempt === 403) return 'a CSR in another node’s name, made as the runtime’s node, is refused';
    if (attempt === 'allowed')
      throw new Error('the runtime’s node could ask for a certificate in another node’s name');
    throw new Error(`the dry run was answered ${attempt ?? 'with no status'}`);
  },
};
