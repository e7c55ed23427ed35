// The virtual node's kubelet API, called straight on its port over TLS, as the apiserver or
// metrics-server would: who may call it (401 without credentials, 403 without nodes/proxy, a
// client certificate from the cluster's CA or a token checked by TokenReview otherwise), and a
// container's log streamed from CCI with the kubelet's parameters.
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { CertificatesV1Api, type V1PodList } from '@kubernetes/client-node';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';
import forge from 'node-forge';
import { obtainServingCertificate } from '../../src/provider/kubelet/serving-cert.js';
import type { Summary } from '../../src/provider/kubelet/stats.js';
import { useTestEnvironment, useUndocumentedCciApi } from '../env/environment.js';
import { kubeletCall, type KubeletAuth } from '../env/kubelet-call.js';
import { kubectl as runKubectl } from '../env/kubectl.js';
import { collectingLogger, useTestProvider, virtualNodePodSpec } from '../env/provider.js';
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
  const call = (path: string, auth: KubeletAuth = {}) =>
    kubeletCall(provider().kubeletPort ?? 0, path, auth, servingCa.certPem);
  // The stats test reads CCI's metrics API, which CCI does not document and the emulator does not
  // serve by default (provider-top.test.ts checks the runtime without it): served here.
  useUndocumentedCciApi(env, 'metrics');
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
    // Only pods bound to this node, and only their containers: not whatever the CCI namespace holds.
    const elsewhere = await call(`/containerLogs/${ns}/not-here/main`, { token: adminToken() });
    assert.equal(elsewhere.status, 404);
    assert.match(elsewhere.body, new RegExp(`pod ${ns}/not-here is not on node ${nodeName}`));
    const noContainer = await call(`/containerLogs/${ns}/talker/other`, { token: adminToken() });
    assert.equal(noContainer.status, 404);
    assert.match(noContainer.body, /container other is not in pod/);
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

  it('reports the pod’s CPU and memory from CCI’s metrics on /stats/summary and /metrics/resource', async () => {
    const ns = await env().createNamespace('stats');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'worker' }, spec: virtualNodePodSpec(nodeName) },
    });
    const uid = await waitFor('the pod to run', async () => {
      const pod = await env().core.readNamespacedPod({ name: 'worker', namespace: ns });
      return pod.status?.phase === 'Running' ? pod.metadata?.uid : undefined;
    });
    const summaryOf = async () => {
      const r = await call('/stats/summary', { token: adminToken() });
      assert.equal(r.status, 200, r.body);
      const summary = JSON.parse(r.body) as Summary;
      return { summary, pod: summary.pods.find((p) => p.podRef.namespace === ns) };
    };
    const { summary, pod } = await summaryOf();
    assert.equal(summary.node.nodeName, nodeName);
    assert.deepEqual(pod?.podRef, { name: 'worker', namespace: ns, uid });
    const [main] = pod?.containers ?? [];
    // The emulator's containers use 5% of their 250m CPU limit and 10% of their 1Gi memory limit.
    assert.equal(main?.cpu?.usageNanoCores, 12_500_000);
    assert.equal(main?.memory?.workingSetBytes, Math.round(2 ** 30 * 0.1));
    assert.equal(pod?.cpu?.usageNanoCores, 12_500_000, 'the pod sums its containers');
    assert.ok((summary.node.memory?.workingSetBytes ?? 0) >= (main?.memory?.workingSetBytes ?? 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const later = (await summaryOf()).pod?.containers[0];
    assert.ok(
      (later?.cpu?.usageCoreNanoSeconds ?? 0) > (main?.cpu?.usageCoreNanoSeconds ?? 0),
      'cumulative CPU time grows between samples',
    );

    const metrics = await call('/metrics/resource', { token: adminToken() });
    assert.equal(metrics.status, 200);
    const sample = new RegExp(
      `^container_memory_working_set_bytes\\{container="main",namespace="${ns}",pod="worker"\\} (\\d+) (\\d{13})$`,
      'm',
    ).exec(metrics.body);
    assert.equal(Number(sample?.[1]), Math.round(2 ** 30 * 0.1), metrics.body);
    assert.ok(Math.abs(Number(sample?.[2]) - Date.now()) < 60_000, 'samples carry their time in ms');
    for (const family of [
      'container_cpu_usage_seconds_total',
      'container_start_time_seconds',
      'node_cpu_usage_seconds_total',
      'pod_memory_working_set_bytes',
    ])
      assert.match(metrics.body, new RegExp(`^# TYPE ${family} `, 'm'));
    assert.match(metrics.body, /^resource_scrape_error 0$/m);
    const denied = await call('/metrics/resource', { token: restrictedToken() });
    assert.equal(denied.status, 403);
    assert.match(denied.body, /subresource=metrics/);
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

  it('kubectl logs, --tail, --since, --since-time, --limit-bytes, --previous and -f read a CCI pod’s log, with the serving certificate verified', async () => {
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
    assert.equal(
      (await kubectl(['logs', '--since=1h', '-n', ns, 'talker'])).stdout,
      'one\ntwo\nthree\nfour\n',
    );
    const stamped = await kubectl(['logs', '--timestamps', '-n', ns, 'talker']);
    const fourAt = /^(\S+) four$/m.exec(stamped.stdout)?.[1] ?? '';
    // `four` came a second after `three`: from four's second on, only four.
    const sinceFour = await kubectl(['logs', `--since-time=${fourAt}`, '-n', ns, 'talker']);
    assert.equal(sinceFour.stdout, 'four\n', sinceFour.stderr);
    assert.equal((await kubectl(['logs', '--limit-bytes=6', '-n', ns, 'talker'])).stdout, 'one\ntw');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(
      (await kubectl(['logs', '--since=1s', '-n', ns, 'talker'])).stdout,
      '',
      'nothing in the last second',
    );

    // A restarted container: --previous reads the run before.
    const spec = virtualNodePodSpec(nodeName, { command: ['sh', '-c', 'echo attempt; sleep 1; exit 1'] });
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'crasher' }, spec: { ...spec, restartPolicy: 'OnFailure' } },
    });
    await waitFor('a restart', async () => {
      const pod = await env().core.readNamespacedPod({ name: 'crasher', namespace: ns });
      return (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1;
    });
    const previous = await kubectl(['logs', '--previous', '-n', ns, 'crasher']);
    assert.equal(previous.stdout, 'attempt\n', previous.stderr);
    const csrs = await env().kc.makeApiClient(CertificatesV1Api).listCertificateSigningRequest();
    const ours = csrs.items.find(
      (c) => c.spec.username !== undefined && c.metadata?.name?.startsWith(`vkctl-${nodeName}-serving-`),
    );
    assert.equal(ours?.spec.signerName, 'kubernetes.io/kubelet-serving');
    assert.ok(ours?.status?.certificate, 'issued by the cluster');
  });
});

describe('vkctl provider run: where the cluster does not issue the serving certificate', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();

  it('issues it from the add-on’s CA, for the node’s name and address, and says why', async () => {
    const addonCa = createCertificateAuthority('vkctl-webhook-ca');
    const logs: string[] = [];
    // The restricted user may not create CSRs: the cluster answers 403, as one without the signer
    // or the RBAC would refuse.
    const issued = await obtainServingCertificate({
      kc: env().controlPlane.kubeConfig('restricted'),
      nodeName: 'vk-fallback',
      address: '192.0.2.7',
      validitySeconds: 86_400,
      fallbackCa: { cert: addonCa.certPem, key: addonCa.keyPem },
      log: collectingLogger(logs),
    });
    const cert = forge.pki.certificateFromPem(issued.cert);
    const cn = (name: forge.pki.Certificate['issuer']) =>
      (name.getField('CN') as { value?: string } | null)?.value;
    assert.equal(cn(cert.issuer), 'vkctl-webhook-ca');
    assert.equal(cn(cert.subject), 'system:node:vk-fallback');
    const san = cert.getExtension('subjectAltName') as { altNames: { value?: string; ip?: string }[] };
    assert.deepEqual(
      san.altNames.map((n) => n.ip ?? n.value),
      ['vk-fallback', '192.0.2.7'],
    );
    assert.ok(addonCa.cert.verify(cert), 'signed by the add-on CA');
    assert.ok(
      logs.some((l) => /did not issue a kubelet-serving certificate.*403|403.*did not issue/s.test(l)),
      logs.join('\n'),
    );
  });
});

describe('vkctl provider run: the kubelet serving certificate is renewed', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  // The controller-manager's signer backdates a short certificate's start by 5 minutes: asked for
  // 10 minutes, it is valid from 5 minutes ago for 15. Renewing at 34% of that falls 6 s from now.
  const { nodeName, provider, logs } = useTestProvider(env, 'vk-rotate', () => ({
    kubeletPort: 0,
    kubelet: {
      clientCa: env().controlPlane.ca.certPem,
      host: '127.0.0.1',
      validitySeconds: 600,
      renewAt: 0.34,
    },
  }));
  const servedCertificate = () =>
    new Promise<{ serial: string; issuer: string }>((resolve, reject) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port: provider().kubeletPort, rejectUnauthorized: false },
        () => {
          const cert = socket.getPeerCertificate();
          socket.end();
          resolve({ serial: cert.serialNumber, issuer: JSON.stringify(cert.issuer) });
        },
      );
      socket.on('error', reject);
    });

  it('asks the cluster for a new certificate before the current one expires, and serves it', async () => {
    const first = await servedCertificate();
    const renewed = await waitFor(
      'a renewed certificate',
      async () => {
        const now = await servedCertificate();
        return now.serial !== first.serial ? now : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.equal(renewed.issuer, first.issuer, 'issued by the same cluster signer');
    assert.ok(logs.some((line) => line.includes('kubelet serving certificate renewed')));
    const ns = await env().createNamespace('rotate');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'talker' },
        spec: virtualNodePodSpec(nodeName, { command: ['sh', '-c', 'echo still here; sleep 30'] }),
      },
    });
    const read = await waitFor('kubectl logs with the renewed certificate', async () => {
      const r = await runKubectl(env().controlPlane.cluster.adminKubeconfigPath, [
        'logs',
        '-n',
        ns,
        'talker',
      ]);
      return r.code === 0 && r.stdout ? r : undefined;
    });
    assert.equal(read.stdout, 'still here\n');
  });
});
