// The provider runtime on the real control plane (real scheduler and controllers) with the emulated
// CCI: its virtual node, pods the scheduler binds to it running on CCI with their status reflected
// back, rule-breaking pods refused with ProviderFailed, deletion through CCI, the burst webhook.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  AdmissionregistrationV1Api,
  CoordinationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  type V1PodTemplateSpec,
} from '@kubernetes/client-node';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';
import { burstNamespace } from '../../src/cloud/cci.js';
import { parseBurstPolicy, parseBurstTarget, setBurstPolicy } from '../../src/addon/burst.js';
import { PROVIDER_TAINT } from '../../src/provider/node.js';
import type { RunningProvider } from '../../src/provider/run.js';
import { cciPodName } from '../../src/provider/translate.js';
import { useTestEnvironment } from '../env/environment.js';
import { startTestProvider } from '../env/provider.js';
import { sdkRequest } from '../env/sdk-request.js';
import { waitFor } from '../env/wait.js';

const WEBHOOK_NAMESPACE_LABEL = 'vkctl-test/burst-webhook';

describe('vkctl provider run', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const nodeName = `vk-provider-${randomBytes(3).toString('hex')}`;
  let provider: RunningProvider;
  const logs: string[] = [];
  const webhookName = `burst-policy-${randomBytes(3).toString('hex')}`;
  const webhookCa = createCertificateAuthority('webhook-test-ca');
  const webhookTls = issueCertificate(webhookCa, {
    commonName: 'vkctl-provider',
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  /** A namespace whose pods go through the burst-policy webhook. */
  const webhookNamespace = async (prefix: string) => {
    const ns = await env().createNamespace(prefix);
    await env().core.patchNamespace(
      { name: ns, body: { metadata: { labels: { [WEBHOOK_NAMESPACE_LABEL]: webhookName } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return ns;
  };
  const template = (policy: string, cpu = '500m', memory = '1Gi') => ({
    metadata: { labels: { app: 'burst', 'virtual-kubelet.io/burst-to-cci': policy } },
    spec: { containers: [{ name: 'main', image: 'nginx:1.27', resources: { limits: { cpu, memory } } }] },
  });

  const cciNamespace = () => burstNamespace(env().emulator.scenario.clusterId);
  const cciPods = async () => {
    const s = env().emulator.scenario;
    const res = await sdkRequest(
      {
        method: 'GET',
        endpoint: env().emulator.endpoints.cci,
        path: `/api/v1/namespaces/${cciNamespace()}/pods`,
      },
      s.accessKey,
      s.secretKey,
      s.projectId,
    );
    return res.json<{ items: V1Pod[] }>().items;
  };
  /** A pod template that lands on the virtual node (what the burst webhook will add, given by hand here). */
  const onVirtualNode = (cpu: string, memory: string, command?: string[]): V1PodTemplateSpec['spec'] => ({
    nodeSelector: { 'kubernetes.io/hostname': nodeName },
    tolerations: [
      { key: PROVIDER_TAINT.key, operator: 'Equal', value: PROVIDER_TAINT.value, effect: 'NoSchedule' },
    ],
    restartPolicy: command ? 'Never' : 'Always',
    containers: [{ name: 'main', image: 'busybox:1.36', command, resources: { limits: { cpu, memory } } }],
  });

  before(async function () {
    this.timeout(60_000);
    provider = await startTestProvider(env(), nodeName, logs, {
      webhook: { cert: webhookTls.certPem, key: webhookTls.keyPem, port: 0, host: '127.0.0.1' },
    });
    // The real apiserver calls the runtime's webhook, for namespaces that ask for it.
    await env()
      .kc.makeApiClient(AdmissionregistrationV1Api)
      .createMutatingWebhookConfiguration({
        body: {
          metadata: { name: webhookName },
          webhooks: [
            {
              name: 'burst-policy.vkctl.io',
              admissionReviewVersions: ['v1'],
              sideEffects: 'None',
              failurePolicy: 'Fail',
              clientConfig: {
                url: `https://127.0.0.1:${provider.webhookPort}/mutate-pods`,
                caBundle: Buffer.from(webhookCa.certPem).toString('base64'),
              },
              rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
              namespaceSelector: { matchLabels: { [WEBHOOK_NAMESPACE_LABEL]: webhookName } },
            },
          ],
        },
      });
  });

  after(async () => {
    await env()
      .kc.makeApiClient(AdmissionregistrationV1Api)
      .deleteMutatingWebhookConfiguration({ name: webhookName })
      .catch(() => undefined);
    await provider?.stop();
    await env()
      .core.deleteNode({ name: nodeName })
      .catch(() => undefined);
  });

  it('registers a Ready virtual node with the provider taint, and keeps its lease', async () => {
    const node = await env().core.readNode({ name: nodeName });
    assert.equal(node.metadata?.labels?.type, 'virtual-kubelet');
    // The node-lifecycle controller lifts the not-ready taint once it sees the node Ready.
    await waitFor('only the provider taint to remain', async () => {
      const taints = (await env().core.readNode({ name: nodeName })).spec?.taints ?? [];
      return (
        taints.length === 1 &&
        taints[0]?.key === 'virtual-kubelet.io/provider' &&
        taints[0].value === 'huawei-cci'
      );
    });
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(
      node.status?.allocatable?.pods,
      '2k',
      'the configured 2000, in the apiserver’s canonical form',
    );
    const before = provider.node?.renewals ?? 0;
    await waitFor('two more lease renewals', () =>
      Promise.resolve((provider.node?.renewals ?? 0) >= before + 2),
    );
    const lease = await env()
      .kc.makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: nodeName, namespace: 'kube-node-lease' });
    assert.ok(
      Date.now() - new Date(lease.spec?.renewTime ?? 0).getTime() < 5_000,
      'renewed within the last seconds',
    );
    assert.equal(lease.spec?.leaseDurationSeconds, 40);
  });

  it('runs a Deployment’s pods on CCI: bound to the virtual node, Running, with IPs from the subnet', async () => {
    const ns = await env().createNamespace('burst');
    await env().apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: onVirtualNode('500m', '1Gi') },
        },
      },
    });
    await waitFor(
      '3 available replicas',
      async () =>
        (await env().apps.readNamespacedDeployment({ name: 'web', namespace: ns })).status
          ?.availableReplicas === 3,
    );
    const pods = (await env().core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
    const onCci = await cciPods();
    for (const pod of pods) {
      assert.equal(pod.spec?.nodeName, nodeName);
      assert.equal(pod.status?.phase, 'Running');
      assert.match(pod.status?.podIP ?? '', /^192\.168\.0\.\d+$/);
      const mirror = onCci.find((p) => p.metadata?.name === cciPodName(ns, pod.metadata?.name ?? ''));
      assert.ok(mirror, 'its CCI pod exists');
      assert.equal(mirror.status?.podIP, pod.status?.podIP);
      assert.equal(mirror.metadata?.annotations?.['vkctl.io/origin-uid'], pod.metadata?.uid);
      // Our scheduling fields are left out (CCI's own admission may add default tolerations).
      assert.equal(mirror.spec?.nodeSelector, undefined);
      assert.ok(!mirror.spec?.tolerations?.some((t) => t.key === PROVIDER_TAINT.key));
      assert.ok(
        !mirror.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')),
        'no cluster token volume',
      );
    }
  });

  it('refuses a pod that breaks a CCI rule with ProviderFailed and an event, and creates nothing in CCI', async () => {
    const ns = await env().createNamespace('refuse');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'odd' }, spec: onVirtualNode('300m', '1Gi') },
    });
    const pod = await waitFor('the pod to fail', async () => {
      const p = await env().core.readNamespacedPod({ name: 'odd', namespace: ns });
      return p.status?.reason === 'ProviderFailed' ? p : undefined;
    });
    assert.equal(pod.status?.phase, 'Failed');
    assert.match(pod.status?.message ?? '', /multiple of 0\.25 core/);
    const events = await env().core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: 'involvedObject.name=odd',
    });
    assert.ok(events.items.some((e) => e.reason === 'ProviderFailed' && e.type === 'Warning'));
    assert.ok(!(await cciPods()).some((p) => p.metadata?.name === cciPodName(ns, 'odd')));
  });

  it('deletes the CCI pod when the pod is deleted, then the pod itself', async () => {
    const ns = await env().createNamespace('delete');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'gone' }, spec: onVirtualNode('250m', '1Gi') },
    });
    await waitFor(
      'the pod to run',
      async () =>
        (await env().core.readNamespacedPod({ name: 'gone', namespace: ns })).status?.phase === 'Running',
    );
    assert.ok((await cciPods()).some((p) => p.metadata?.name === cciPodName(ns, 'gone')));
    await env().core.deleteNamespacedPod({ name: 'gone', namespace: ns });
    await waitFor('the pod to be gone', () =>
      env()
        .core.readNamespacedPod({ name: 'gone', namespace: ns })
        .then(
          () => false,
          (e: { code?: number }) => e.code === 404,
        ),
    );
    assert.ok(!(await cciPods()).some((p) => p.metadata?.name === cciPodName(ns, 'gone')), 'no CCI pod left');
  });

  it('burst policy enforce: every pod of the Deployment runs on CCI, with nothing set by hand', async () => {
    const ns = await webhookNamespace('enforce');
    await env().apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'burst' } }, template: template('enforce') },
      },
    });
    await waitFor(
      '2 available replicas',
      async () =>
        (await env().apps.readNamespacedDeployment({ name: 'web', namespace: ns })).status
          ?.availableReplicas === 2,
    );
    const pods = (await env().core.listNamespacedPod({ namespace: ns })).items;
    assert.ok(
      pods.every((p) => p.spec?.nodeName === nodeName && /^192\.168\.0\.\d+$/.test(p.status?.podIP ?? '')),
    );
    const names = (await cciPods()).map((p) => p.metadata?.name);
    for (const p of pods) assert.ok(names.includes(cciPodName(ns, p.metadata?.name ?? '')));
  });

  it('burst policy localPrefer: pods fill the CCE node first, and only the overflow goes to CCI', async () => {
    const ns = await webhookNamespace('prefer');
    const kubelet = await env().addNodes({ count: 1, cpu: '1', memory: '8Gi' });
    try {
      await env().apps.createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: 'web' },
          spec: {
            replicas: 4,
            selector: { matchLabels: { app: 'burst' } },
            template: template('localPrefer'),
          },
        },
      });
      await waitFor(
        '4 available replicas',
        async () =>
          (await env().apps.readNamespacedDeployment({ name: 'web', namespace: ns })).status
            ?.availableReplicas === 4,
      );
      const placed = (await env().core.listNamespacedPod({ namespace: ns })).items.map(
        (p) => p.spec?.nodeName,
      );
      assert.equal(
        placed.filter((n) => n === kubelet.nodeNames[0]).length,
        2,
        'two 500m pods fill the 1-CPU node',
      );
      assert.equal(placed.filter((n) => n === nodeName).length, 2, 'the overflow runs on CCI');
    } finally {
      await env().removeNodes(kubelet);
    }
  });

  it('vkctl burst sets the policy on a workload, and its new pods follow it', async () => {
    const ns = await webhookNamespace('tick');
    await env().apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'api' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'burst' } }, template: template('off') },
      },
    });
    await setBurstPolicy(env().kc, ns, parseBurstTarget('deploy/api'), parseBurstPolicy('enforce'));
    const deployment = await env().apps.readNamespacedDeployment({ name: 'api', namespace: ns });
    assert.equal(deployment.metadata?.labels?.['virtual-kubelet.io/burst-to-cci'], 'enforce');
    assert.equal(deployment.spec?.template.metadata?.labels?.['virtual-kubelet.io/burst-to-cci'], 'enforce');
    await waitFor('the rolled pod to run on CCI', async () => {
      const pods = (await env().core.listNamespacedPod({ namespace: ns })).items;
      return pods.length === 1 && pods[0]?.spec?.nodeName === nodeName && pods[0].status?.phase === 'Running';
    });
    assert.throws(() => parseBurstTarget('job/once'), /cannot change/);
    assert.throws(() => parseBurstPolicy('always'), /one of enforce, localPrefer, auto, off/);
    await assert.rejects(
      setBurstPolicy(env().kc, ns, parseBurstTarget('sts/none'), 'auto'),
      /statefulset .*\/none not found/,
    );
  });

  it('never puts a DaemonSet pod on the virtual node, even labelled enforce', async () => {
    const ns = await webhookNamespace('daemons');
    const kubelet = await env().addNodes({ count: 2, cpu: '2' });
    try {
      await env().apps.createNamespacedDaemonSet({
        namespace: ns,
        body: {
          metadata: { name: 'agent' },
          spec: { selector: { matchLabels: { app: 'burst' } }, template: template('enforce', '250m', '1Gi') },
        },
      });
      await waitFor(
        'a daemon pod per worker',
        async () =>
          (await env().apps.readNamespacedDaemonSet({ name: 'agent', namespace: ns })).status?.numberReady ===
          2,
      );
      const placed = (await env().core.listNamespacedPod({ namespace: ns })).items.map(
        (p) => p.spec?.nodeName,
      );
      assert.deepEqual([...placed].sort(), [...kubelet.nodeNames].sort());
    } finally {
      // Its pods would follow onto every node later tests add.
      await env()
        .apps.deleteNamespacedDaemonSet({ name: 'agent', namespace: ns })
        .catch(() => undefined);
      await env().removeNodes(kubelet);
    }
  });

  it('registers the node again when someone deletes it', async () => {
    await env().core.deleteNode({ name: nodeName });
    await waitFor('the node to be back', () =>
      env()
        .core.readNode({ name: nodeName })
        .then(
          () => true,
          () => false,
        ),
    );
    assert.ok(logs.some((m) => m.includes('registering it again')));
  });
});
