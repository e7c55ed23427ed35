// The installed runtime is a node and no stronger (issue 16, item 2): with the very credentials
// `vkctl install` gives it, each thing the runtime's former ServiceAccount could do to the rest of
// the cluster is refused with 403 by the Node authorizer or NodeRestriction, while what a node of
// its own may do still works. It may approve no CSR, not even its own: the approver container
// (`provider approver`, run here in-process with the shipped rules) approves its genuine serving
// CSR and leaves any other. Then `upgrade --update-credentials` replaces those credentials and
// rolls the runtime.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CertificatesV1Api,
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1CertificateSigningRequest,
} from '@kubernetes/client-node';
import forge from 'node-forge';
import { install } from '../../src/addon/install.js';
import { NODE_CREDENTIALS_SECRET, nodeCertificateInfo } from '../../src/addon/node-credentials.js';
import { PROVIDER_DEPLOYMENT } from '../../src/shared/names.js';
import { upgrade } from '../../src/addon/upgrade.js';
import { mergePatch } from '../../src/kube/merge-patch.js';
import { nodeKubeConfig } from '../../src/kube/node-kubeconfig.js';
import { runApprover } from '../../src/provider/approver.js';
import { requestServingCertificate } from '../../src/provider/kubelet/serving-cert.js';
import { installRequest, removeAddon, upgradeRequest } from '../env/addon.js';
import { useTestEnvironment, type TestEnvironment } from '../env/environment.js';
import { testApproverKubeConfig } from '../env/node-identity.js';
import { collectingLogger } from '../env/provider.js';

/** The status code of a refused call, or 'allowed'. */
async function outcome(call: Promise<unknown>): Promise<number | 'allowed'> {
  try {
    await call;
    return 'allowed';
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (typeof code !== 'number') throw error;
    return code;
  }
}

async function installedNodeKubeConfig(env: TestEnvironment, namespace: string): Promise<KubeConfig> {
  const secret = await env.core.readNamespacedSecret({ name: NODE_CREDENTIALS_SECRET, namespace });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-node-test-'));
  for (const key of ['tls.crt', 'tls.key'])
    writeFileSync(path.join(dir, key), Buffer.from(secret.data?.[key] ?? '', 'base64'));
  return nodeKubeConfig({ credentialsDir: dir, clusterCaFile: '' }, env.kc);
}

function kubeletServingCsr(
  nodeName: string,
  altNames: { type: number; value?: string; ip?: string }[],
): string {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([
    { name: 'commonName', value: `system:node:${nodeName}` },
    { name: 'organizationName', value: 'system:nodes' },
  ]);
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return Buffer.from(forge.pki.certificationRequestToPem(csr)).toString('base64');
}

function csrBody(
  name: string,
  nodeName: string,
  altNames: { type: number; value?: string; ip?: string }[] = [{ type: 2, value: 'kubernetes.default.svc' }],
) {
  return {
    metadata: { name },
    spec: {
      request: kubeletServingCsr(nodeName, altNames),
      signerName: 'kubernetes.io/kubelet-serving',
      usages: ['digital signature', 'key encipherment', 'server auth'],
    },
  };
}

describe('the runtime’s identity: a node, and no stronger', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  let ns = '';
  let nodeName = '';
  let other = '';
  let asNode: KubeConfig;

  before(async () => {
    ns = await env().createNamespace('node-id');
    nodeName = `vk-${ns}`;
    other = `other-${ns}`;
    await install(installRequest(env(), ns, { preflight: undefined }));
    asNode = await installedNodeKubeConfig(env(), ns);
    await env().core.createNode({ body: { metadata: { name: other } } });
  });
  after(async () => {
    await removeAddon(env(), ns);
    await env()
      .core.deleteNode({ name: other })
      .catch(() => undefined);
  });

  it('authenticates as system:node:<nodeName> in system:nodes, and its pod mounts no ServiceAccount token', async () => {
    const review = await asNode.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    assert.equal(review.status?.userInfo?.username, `system:node:${nodeName}`);
    assert.ok(review.status?.userInfo?.groups?.includes('system:nodes'));
    const deployment = await env().apps.readNamespacedDeployment({
      name: PROVIDER_DEPLOYMENT,
      namespace: ns,
    });
    assert.equal(deployment.spec?.template.spec?.automountServiceAccountToken, false);
    // The pod's ServiceAccount (the approver container's alone) may approve CSRs, not even read a ConfigMap.
    const sar = await env()
      .kc.makeApiClient(AuthorizationV1Api)
      .createSubjectAccessReview({
        body: {
          spec: {
            user: `system:serviceaccount:${ns}:vkctl-provider`,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`],
            resourceAttributes: { verb: 'get', resource: 'configmaps', namespace: ns },
          },
        },
      });
    assert.equal(sar.status?.allowed, false);
  });

  it('may not read a Secret that no pod of its node uses, nor list Secrets, nor list every pod', async () => {
    const other = await env().createNamespace('victim');
    await env().core.createNamespacedSecret({
      namespace: other,
      body: { metadata: { name: 'db-password' }, stringData: { password: 'hunter2' } },
    });
    const core = asNode.makeApiClient(CoreV1Api);
    assert.equal(await outcome(core.readNamespacedSecret({ name: 'db-password', namespace: other })), 403);
    assert.equal(await outcome(core.listSecretForAllNamespaces()), 403);
    assert.equal(await outcome(core.listPodForAllNamespaces()), 403);
    assert.equal(
      await outcome(core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` })),
      'allowed',
    );
  });

  it('may not change another node: not its labels, taints or status, nor delete it', async () => {
    const core = asNode.makeApiClient(CoreV1Api);
    assert.equal(await outcome(core.readNode({ name: other })), 403);
    const relabel = { metadata: { labels: { stolen: 'yes' } }, spec: { taints: [] } };
    assert.equal(await outcome(core.patchNode({ name: other, body: relabel }, mergePatch)), 403);
    const status = { status: { conditions: [{ type: 'Ready', status: 'False' }] } };
    assert.equal(await outcome(core.patchNodeStatus({ name: other, body: status }, mergePatch)), 403);
    assert.equal(await outcome(core.deleteNode({ name: other })), 403);
  });

  it('may not write the status of a pod on another node (so cannot move a Service’s endpoints)', async () => {
    const app = await env().createNamespace('victim-app');
    await env().core.createNamespacedPod({
      namespace: app,
      body: {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: { nodeName: other, containers: [{ name: 'web', image: 'nginx' }] },
      },
    });
    const body = { status: { podIP: '203.0.113.7', podIPs: [{ ip: '203.0.113.7' }] } };
    const core = asNode.makeApiClient(CoreV1Api);
    assert.equal(
      await outcome(core.patchNamespacedPodStatus({ name: 'web', namespace: app, body }, mergePatch)),
      403,
    );
    const pod = await env().core.readNamespacedPod({ name: 'web', namespace: app });
    assert.equal(pod.status?.podIP, undefined);
  });

  it('may not take another Lease than its node’s', async () => {
    const leases = asNode.makeApiClient(CoordinationV1Api);
    const body = { metadata: { name: 'kube-controller-manager' }, spec: { holderIdentity: 'me' } };
    assert.equal(await outcome(leases.createNamespacedLease({ namespace: 'kube-system', body })), 403);
  });

  it('may not request a certificate for another node, nor approve any CSR, not even its own', async () => {
    const certificates = asNode.makeApiClient(CertificatesV1Api);
    const admin = env().kc.makeApiClient(CertificatesV1Api);
    const suffix = Math.random().toString(16).slice(2, 8);
    // NodeRestriction: a node asks only for its own name.
    assert.equal(
      await outcome(
        certificates.createCertificateSigningRequest({ body: csrBody(`steal-${suffix}`, other) }),
      ),
      403,
    );
    const approval = (csr: V1CertificateSigningRequest) => ({
      ...csr,
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Self', message: 'x' }] },
    });
    // A CSR for the other node made by someone else: the node may not approve it.
    const foreign = `foreign-${suffix}`;
    await admin.createCertificateSigningRequest({ body: csrBody(foreign, other) });
    const theirs = await certificates.readCertificateSigningRequest({ name: foreign });
    assert.equal(
      await outcome(
        certificates.replaceCertificateSigningRequestApproval({ name: foreign, body: approval(theirs) }),
      ),
      403,
    );
    // Nor its own kubelet-serving CSR, even one naming only itself: a kubelet approves nothing.
    const own = `own-${suffix}`;
    await certificates.createCertificateSigningRequest({
      body: csrBody(own, nodeName, [{ type: 2, value: nodeName }]),
    });
    const mine = await certificates.readCertificateSigningRequest({ name: own });
    assert.equal(
      await outcome(
        certificates.replaceCertificateSigningRequestApproval({ name: own, body: approval(mine) }),
      ),
      403,
    );
    const after = await admin.readCertificateSigningRequest({ name: own });
    assert.equal(after.status?.conditions, undefined, 'still pending');
    for (const name of [foreign, own])
      await admin.deleteCertificateSigningRequest({ name }).catch(() => undefined);
  });

  it('the approver approves the runtime’s genuine serving CSR and leaves every other one pending', async () => {
    const admin = env().kc.makeApiClient(CertificatesV1Api);
    const certificates = asNode.makeApiClient(CertificatesV1Api);
    const suffix = Math.random().toString(16).slice(2, 8);
    const podAddress = '192.0.2.44';
    const logs: string[] = [];
    const approver = await runApprover({
      kc: await testApproverKubeConfig(env()),
      nodeName,
      podAddress,
      log: collectingLogger(logs),
      resyncMs: 500,
    });
    const made: string[] = [];
    try {
      // By the node, naming the API server's name, or an IP not its own: left pending.
      const bad = {
        [`svc-${suffix}`]: [
          { type: 2, value: nodeName },
          { type: 2, value: 'kubernetes.default.svc' },
        ],
        [`ip-${suffix}`]: [
          { type: 2, value: nodeName },
          { type: 7, ip: '10.96.0.1' },
        ],
      };
      for (const [name, altNames] of Object.entries(bad)) {
        await certificates.createCertificateSigningRequest({ body: csrBody(name, nodeName, altNames) });
        made.push(name);
      }
      // Another node's, naming only that node (made by an admin, as NodeRestriction keeps the node from it).
      const others = `other-${suffix}`;
      await admin.createCertificateSigningRequest({
        body: csrBody(others, other, [{ type: 2, value: other }]),
      });
      made.push(others);
      // The runtime's own, as it asks: its name and its pod's address. Approved and issued.
      const issued = await requestServingCertificate(asNode, nodeName, podAddress, 3600, 30_000);
      const cert = forge.pki.certificateFromPem(issued.cert);
      const san = cert.getExtension('subjectAltName') as { altNames: { value?: string; ip?: string }[] };
      assert.deepEqual(
        san.altNames.map((n) => n.ip ?? n.value),
        [nodeName, podAddress],
      );
      // Several resyncs later, the others are still pending and were never denied.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const name of made) {
        const csr = await admin.readCertificateSigningRequest({ name });
        assert.deepEqual(csr.status?.conditions ?? [], [], `${name} is left alone`);
        assert.equal(csr.status?.certificate, undefined);
      }
      assert.ok(
        logs.some(
          (l) => l.startsWith('warn') && l.includes(`svc-${suffix}`) && l.includes('kubernetes.default.svc'),
        ),
        logs.join('\n'),
      );
      assert.ok(
        logs.some((l) => l.startsWith('warn') && l.includes(`ip-${suffix}`) && l.includes('10.96.0.1')),
      );
      const approved = (await admin.listCertificateSigningRequest()).items.filter(
        (c) =>
          c.spec.username === `system:node:${nodeName}` &&
          c.status?.conditions?.some((k) => k.type === 'Approved' && k.reason === 'VkctlServingApprover'),
      );
      assert.equal(approved.length, 1, 'only the genuine one');
    } finally {
      await approver.stop();
      for (const name of made) await admin.deleteCertificateSigningRequest({ name }).catch(() => undefined);
    }
  });

  it('upgrade --update-credentials issues a new node certificate and rolls the runtime', async () => {
    const before = await env().core.readNamespacedSecret({ name: NODE_CREDENTIALS_SECRET, namespace: ns });
    const template = async () =>
      (await env().apps.readNamespacedDeployment({ name: PROVIDER_DEPLOYMENT, namespace: ns })).spec?.template
        .metadata?.annotations?.['vkctl.io/inputs-checksum'];
    const checksum = await template();
    const unchanged = await upgrade(upgradeRequest(env(), ns, { rollbackOnFailure: false }));
    assert.equal(unchanged.outcome, 'up-to-date', 'nothing changed: nothing is renewed');
    const result = await upgrade(
      upgradeRequest(env(), ns, { rollbackOnFailure: false, updateCredentials: true }),
    );
    assert.equal(result.outcome, 'upgraded');
    const after = await env().core.readNamespacedSecret({ name: NODE_CREDENTIALS_SECRET, namespace: ns });
    const [was, now] = [before, after].map((s) =>
      Buffer.from(s.data?.['tls.crt'] ?? '', 'base64').toString(),
    );
    assert.notEqual(now, was, 'a new certificate');
    assert.equal(nodeCertificateInfo(now ?? '')?.nodeName, nodeName);
    assert.notEqual(await template(), checksum, 'the pod template changed, so the runtime rolls');
  });
});
