// The virtual node's kubelet API, called straight on its port over TLS, as the apiserver or
// metrics-server would: who may call it (401 without credentials, 403 without nodes/proxy, a
// client certificate from the cluster's CA or a token checked by TokenReview otherwise), and a
// container's log streamed from CCI with the kubelet's parameters.
import assert from 'node:assert/strict';
import https from 'node:https';
import { CertificatesV1Api, type V1PodList } from '@kubernetes/client-node';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';
import { useTestEnvironment } from '../env/environment.js';
import { kubectl as runKubectl } from '../env/kubectl.js';
import { useTestProvider, virtualNodePodSpec } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

describe('vkctl provider run: the kubelet API', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const servingCa = createCertificateAuthority('kubelet-serving-test-ca');
  const serving = issueCertificate(servingCa, {
    commonName: 'virtual-kubelet',
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  const { nodeName, provider } = useTestProvider(env, 'vk-kubelet', () => ({
    kubeletPort: 0,
    kubelet: {
      cert: serving.certPem,
      key: serving.keyPem,
      clientCa: env().controlPlane.ca.certPem,
      host: '127.0.0.1',
    },
  }));

  /** A request to the kubelet port, verifying its serving certificate. */
  const call = (
    path: string,
    auth: { token?: string; cert?: { certPem: string; keyPem: string } } = {},
  ): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: provider().kubeletPort,
          path,
          ca: servingCa.certPem,
          cert: auth.cert?.certPem,
          key: auth.cert?.keyPem,
          headers: auth.token ? { Authorization: `Bearer ${auth.token}` } : {},
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  const adminToken = () => env().controlPlane.cluster.adminToken;
  const restrictedToken = () => env().controlPlane.kubeConfig('restricted').getCurrentUser()?.token ?? '';

  it('turns away callers without credentials (401) and without nodes/proxy (403)', async () => {
    const anonymous = await call('/pods');
    assert.equal(anonymous.status, 401);
    const restricted = await call('/pods', { token: restrictedToken() });
    assert.equal(restricted.status, 403);
    assert.match(restricted.body, /user=restricted-user, verb=get, resource=nodes, subresource=proxy/);
    const stats = await call('/stats/summary', { token: restrictedToken() });
    assert.match(stats.body, /subresource=stats/, 'stats paths are authorized as nodes/stats');
    // A certificate from another CA does not authenticate anyone.
    const stranger = issueCertificate(createCertificateAuthority('stranger-ca'), {
      commonName: 'admin',
      organization: 'system:masters',
      usage: 'client',
    });
    assert.equal((await call('/pods', { cert: stranger })).status, 401);
  });

  it('lets a token or a client certificate of the cluster through, and streams a container’s log from CCI', async () => {
    const ns = await env().createNamespace('kubelet');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'talker' },
        spec: virtualNodePodSpec(nodeName, {
          command: ['sh', '-c', 'echo one; echo two; echo three; sleep 60'],
        }),
      },
    });
    await waitFor(
      'the pod to run',
      async () =>
        (await env().core.readNamespacedPod({ name: 'talker', namespace: ns })).status?.phase === 'Running',
    );
    const path = `/containerLogs/${ns}/talker/main`;
    const full = await waitFor('three log lines', async () => {
      const r = await call(path, { token: adminToken() });
      return r.status === 200 && r.body.split('\n').length > 3 ? r : undefined;
    });
    assert.equal(full.body, 'one\ntwo\nthree\n');
    assert.equal((await call(`${path}?tailLines=1`, { token: adminToken() })).body, 'three\n');
    assert.match(
      (await call(`${path}?timestamps=true&tailLines=1`, { token: adminToken() })).body,
      /^\d{4}-\d\d-\d\dT\S+ three\n$/,
    );

    const admin = issueCertificate(env().controlPlane.ca, {
      commonName: 'kubelet-test-admin',
      organization: 'system:masters',
      usage: 'client',
    });
    const pods = await call('/pods', { cert: admin });
    assert.equal(pods.status, 200);
    assert.ok((JSON.parse(pods.body) as V1PodList).items.some((p) => p.metadata?.name === 'talker'));
    assert.equal((await call(`/containerLogs/${ns}/nobody/main`, { token: adminToken() })).status, 404);
  });
});

describe('vkctl provider run: kubectl logs through the apiserver', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  // No certificate given: the runtime gets one from the cluster with a kubelet-serving CSR, which
  // the apiserver verifies (--kubelet-certificate-authority), so kubectl needs no skip-verify.
  const { nodeName } = useTestProvider(env, 'vk-logs', () => ({
    kubeletPort: 0,
    kubelet: { clientCa: env().controlPlane.ca.certPem, host: '127.0.0.1' },
  }));
  const kubectl = (args: string[]) => runKubectl(env().controlPlane.cluster.adminKubeconfigPath, args);

  it('kubectl logs, --tail and -f read a CCI pod’s log, with the serving certificate verified', async () => {
    const ns = await env().createNamespace('logs');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'talker' },
        spec: virtualNodePodSpec(nodeName, {
          command: ['sh', '-c', 'echo one; echo two; echo three; sleep 1; echo four; exit 0'],
        }),
      },
    });
    await waitFor('the pod to start', async () =>
      ['Running', 'Succeeded'].includes(
        (await env().core.readNamespacedPod({ name: 'talker', namespace: ns })).status?.phase ?? '',
      ),
    );
    const followed = await kubectl(['logs', '-f', '-n', ns, 'talker']);
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(
      followed.stdout,
      'one\ntwo\nthree\nfour\n',
      'every line, in order, until the container ends',
    );
    const tail = await kubectl(['logs', '--tail=2', '-n', ns, 'talker']);
    assert.equal(tail.stdout, 'three\nfour\n');
    const csrs = await env().kc.makeApiClient(CertificatesV1Api).listCertificateSigningRequest();
    const ours = csrs.items.find(
      (c) => c.spec.username !== undefined && c.metadata?.name?.startsWith(`vkctl-${nodeName}-serving-`),
    );
    assert.equal(ours?.spec.signerName, 'kubernetes.io/kubelet-serving');
    assert.ok(ours?.status?.certificate, 'issued by the cluster');
  });
});
