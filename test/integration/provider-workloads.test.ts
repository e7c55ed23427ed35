// Workload controllers on top of the runtime: a Job's pod runs to completion on CCI and the Job
// controller marks it Complete; a StatefulSet's pods keep their names, and a pod recreated under
// the same name gets a fresh CCI pod (the old one, of the old UID, is deleted first).
import assert from 'node:assert/strict';
import { cciPodName, originOf } from '../../src/provider/translate.js';
import { useTestEnvironment } from '../env/environment.js';
import { cciBackend, cciNamespaceOf, useTestProvider, virtualNodePodSpec } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

describe('vkctl provider run: Jobs and StatefulSets', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const { nodeName } = useTestProvider(env, 'vk-workloads');
  const cci = () => cciBackend(env());
  const cciNamespace = () => cciNamespaceOf(env());
  const onVirtualNode = (command?: string[]) => virtualNodePodSpec(nodeName, { command });

  it('runs a Job to completion on CCI, and the Job controller marks it Complete', async () => {
    const ns = await env().createNamespace('job');
    await env().batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'once' },
        spec: { backoffLimit: 0, template: { spec: onVirtualNode(['sh', '-c', 'echo working; echo done']) } },
      },
    });
    const job = await waitFor('the Job to complete', async () => {
      const j = await env().batch.readNamespacedJob({ name: 'once', namespace: ns });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    assert.equal(job.status?.succeeded, 1);
  });

  it('fails a DaemonSet’s pod that tolerates its way onto the virtual node, and creates nothing in CCI', async () => {
    const ns = await env().createNamespace('ds');
    // Tolerates every taint, as node agents often do: only the runtime stands in its way.
    const spec = { ...onVirtualNode(), restartPolicy: 'Always', tolerations: [{ operator: 'Exists' }] };
    await env().apps.createNamespacedDaemonSet({
      namespace: ns,
      body: {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent' } }, spec },
        },
      },
    });
    try {
      const failed = await waitFor('the DaemonSet’s pod on the virtual node to fail', async () => {
        const pods = await env().core.listNamespacedPod({ namespace: ns });
        return pods.items.find((p) => p.spec?.nodeName === nodeName && p.status?.phase === 'Failed');
      });
      assert.equal(failed.status?.reason, 'ProviderFailed');
      assert.match(failed.status?.message ?? '', /DaemonSet pods cannot burst to CCI/);
      const inCci = await cci().listNamespacedPod({ namespace: cciNamespace() });
      assert.ok(
        !inCci.items.some((p) => originOf(p)?.namespace === ns),
        'no CCI pod for any of the DaemonSet’s pods',
      );
    } finally {
      // Its pods would follow onto every node later tests add.
      await env().apps.deleteNamespacedDaemonSet({ name: 'agent', namespace: ns });
    }
  });

  it('keeps a StatefulSet’s pod names; a pod recreated under its name gets a new CCI pod', async () => {
    const ns = await env().createNamespace('sts');
    await env().apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: 'db' },
        spec: {
          replicas: 2,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: onVirtualNode() },
        },
      },
    });
    const running = (name: string) => async () => {
      const pod = await env()
        .core.readNamespacedPod({ name, namespace: ns })
        .catch(() => undefined);
      return pod?.status?.phase === 'Running' && pod.spec?.nodeName === nodeName ? pod : undefined;
    };
    const first = await waitFor('db-0 to run on the virtual node', running('db-0'));
    await waitFor('db-1 to run on the virtual node', running('db-1'));
    const mirror = await cci().readNamespacedPod({ name: cciPodName(ns, 'db-0'), namespace: cciNamespace() });
    assert.equal(originOf(mirror)?.uid, first.metadata?.uid);

    await env().core.deleteNamespacedPod({ name: 'db-0', namespace: ns });
    const second = await waitFor('db-0 to run again, as a new pod', async () => {
      const pod = await running('db-0')();
      return pod && pod.metadata?.uid !== first.metadata?.uid ? pod : undefined;
    });
    const newMirror = await waitFor('the CCI pod of the new db-0', async () => {
      const p = await cci()
        .readNamespacedPod({ name: cciPodName(ns, 'db-0'), namespace: cciNamespace() })
        .catch(() => undefined);
      return p && originOf(p)?.uid === second.metadata?.uid ? p : undefined;
    });
    assert.equal(newMirror.status?.podIP, second.status?.podIP);
  });
});
