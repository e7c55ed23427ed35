// The runtime under faults: CCI answering 429, 503 or not at all (retried, the pod runs), CCI
// refusing a pod (it fails with the reason), the runtime killed in the middle of a 100-pod burst
// (after a restart: one CCI pod per pod, no leaks, nothing foreign touched), two replicas of
// which only the leader acts, and the CCI namespace deleted under it (made again).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CoordinationV1Api, type V1Pod } from '@kubernetes/client-node';
import { mergePatch } from '../../src/kube/merge-patch.js';
import { originOf } from '../../src/provider/translate.js';
import { useTestEnvironment, vkctlEnvironment } from '../env/environment.js';
import {
  cciBackend,
  cciNamespaceOf,
  startTestProvider,
  testProviderConfig,
  useTestProvider,
  virtualNodePodSpec,
} from '../env/provider.js';
import { spawnProvider } from '../env/provider-process.js';
import { waitFor } from '../env/wait.js';

describe('vkctl provider run under faults', function () {
  this.timeout(180_000);
  const env = useTestEnvironment();
  const cci = () => cciBackend(env());
  const cciNamespace = () => cciNamespaceOf(env());
  const podSpec = (nodeName: string) => virtualNodePodSpec(nodeName, { image: 'nginx:1.27' });
  const phase = async (ns: string, name: string) =>
    (await env().core.readNamespacedPod({ name, namespace: ns })).status;

  describe('CCI errors', () => {
    const { nodeName, provider } = useTestProvider(env, 'vk-faults');
    after(() => env().emulator.faults.clear());

    it('retries 503, 429 and dropped connections with backoff; the pod runs and is never failed', async () => {
      const ns = await env().createNamespace('transient');
      const faults = env().emulator.faults;
      const createPod = { service: 'cci' as const, method: 'POST', path: /\/pods$/ };
      const injected = [
        faults.add({ ...createPod, status: 503, times: 2 }),
        faults.add({ ...createPod, status: 429, times: 1 }),
        faults.add({ ...createPod, drop: true, times: 1 }),
      ];
      await env().core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'patient' }, spec: podSpec(nodeName) },
      });
      const phases = new Set<string>();
      await waitFor('the pod to run', async () => {
        const status = await phase(ns, 'patient');
        phases.add(status?.phase ?? 'Pending');
        return status?.phase === 'Running';
      });
      assert.deepEqual(
        injected.map((f) => f.hits),
        [2, 1, 1],
        'every fault was met',
      );
      assert.ok(!phases.has('Failed'), `never Failed (saw ${[...phases].join(', ')})`);
      const metrics = await (await fetch(`http://127.0.0.1:${provider().healthPort}/metrics`)).text();
      const errors = (status: string) =>
        Number(
          new RegExp(
            `^vkctl_cci_request_errors_total\\{service="cci",method="POST",status="${status}"\\} (\\d+)`,
            'm',
          ).exec(metrics)?.[1] ?? 0,
        );
      assert.equal(errors('503'), 2);
      assert.equal(errors('429'), 1);
      assert.equal(errors('0'), 1, 'the dropped connection, as status 0');
      assert.match(metrics, /^vkctl_pod_operations_total\{operation="retried"\} [4-9]/m);
      // Taken from the queue once for each try (four failed, one created) and again for its status.
      const taken = Number(/^vkctl_queue_wait_seconds_count (\d+)/m.exec(metrics)?.[1] ?? 0);
      assert.ok(taken >= 6, `the queue's waits are counted: ${taken}`);
      assert.match(metrics, /^vkctl_pods\{phase="Running"\} [1-9]/m);
      assert.match(metrics, /^vkctl_node_lease_renewals_total\{result="success"\} [1-9]/m);
    });

    it('fails a pod CCI refuses (403) with ProviderFailed and CCI’s reason, without retrying', async () => {
      const ns = await env().createNamespace('refused');
      const fault = env().emulator.faults.add({
        service: 'cci',
        method: 'POST',
        path: new RegExp(`/pods$`),
        status: 403,
        times: 1,
      });
      await env().core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'denied' }, spec: podSpec(nodeName) },
      });
      const status = await waitFor('the pod to fail', async () => {
        const s = await phase(ns, 'denied');
        return s?.phase === 'Failed' ? s : undefined;
      });
      assert.equal(status.reason, 'ProviderFailed');
      assert.match(status.message ?? '', /^CCI refused the pod: CCI 403/);
      assert.equal(fault.hits, 1);
    });
  });

  it('killed in the middle of a 100-pod burst and started again: one CCI pod per pod, no leaks, nothing foreign touched', async () => {
    const nodeName = `vk-restart-${randomBytes(3).toString('hex')}`;
    const config = testProviderConfig(env(), nodeName);
    const ns = await env().createNamespace('burst100');
    const foreign = `foreign-${randomBytes(3).toString('hex')}`;
    let runtime = await spawnProvider(config, vkctlEnvironment(env()));
    // CCI takes a second to accept each pod, so the burst is surely still going when the runtime
    // is killed (some creations are then in flight: CCI finishes them, the runtime never hears).
    const slowCci = env().emulator.faults.add({
      service: 'cci',
      method: 'POST',
      path: /\/pods$/,
      latencyMs: 1000,
    });
    try {
      // Someone else's pod in the same CCI namespace: the runtime must leave it alone.
      await cci().createNamespacedPod({
        namespace: cciNamespace(),
        body: { metadata: { name: foreign }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
      });
      await env().apps.createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: 'wave' },
          spec: {
            replicas: 100,
            selector: { matchLabels: { app: 'wave' } },
            template: { metadata: { labels: { app: 'wave' } }, spec: podSpec(nodeName) },
          },
        },
      });
      const ours = async () =>
        (await cci().listNamespacedPod({ namespace: cciNamespace() })).items.filter(
          (p) => originOf(p, nodeName)?.namespace === ns,
        );
      await waitFor('a part of the burst in CCI', async () => (await ours()).length >= 25, {
        timeoutMs: 60_000,
      });
      await runtime.process.kill();
      slowCci.remove();
      const createdBeforeKill = (await ours()).length;
      assert.ok(createdBeforeKill < 100, `killed mid-burst (${createdBeforeKill} of 100 in CCI)`);

      // While it is down: pods are force-deleted (their CCI pods would leak) and the rest scaled down.
      const bound = (await env().core.listNamespacedPod({ namespace: ns })).items;
      const inCci = new Set((await ours()).map((p) => originOf(p)?.uid));
      const forced = bound.filter((p) => inCci.has(p.metadata?.uid)).slice(0, 5);
      for (const pod of forced) {
        await env().core.deleteNamespacedPod({
          name: pod.metadata?.name ?? '',
          namespace: ns,
          body: { gracePeriodSeconds: 0 },
        });
      }
      await env().apps.patchNamespacedDeployment(
        { name: 'wave', namespace: ns, body: { spec: { replicas: 60 } } },
        mergePatch,
      );

      runtime = await spawnProvider(config, vkctlEnvironment(env()));
      const pods = await waitFor(
        '60 pods, all Running, and no other pod left',
        async () => {
          const list = (await env().core.listNamespacedPod({ namespace: ns })).items;
          return list.length === 60 && list.every((p: V1Pod) => p.status?.phase === 'Running')
            ? list
            : undefined;
        },
        { timeoutMs: 120_000 },
      );
      const cciPods = await waitFor('CCI to hold exactly those pods', async () => {
        const list = await ours();
        return list.length === 60 ? list : undefined;
      });
      const uids = (list: V1Pod[], of: (p: V1Pod) => string | undefined) => list.map(of).sort();
      assert.deepEqual(
        uids(cciPods, (p) => originOf(p)?.uid),
        uids(pods, (p) => p.metadata?.uid),
        'one CCI pod per pod, for no other pod',
      );
      for (const pod of forced) {
        assert.ok(!cciPods.some((p) => originOf(p)?.uid === pod.metadata?.uid), 'the leaked CCI pod is gone');
      }
      await cci().readNamespacedPod({ name: foreign, namespace: cciNamespace() });
    } finally {
      slowCci.remove();
      await runtime.process.stop();
      await env()
        .apps.deleteNamespacedDeployment({ name: 'wave', namespace: ns })
        .catch(() => undefined);
      await cci()
        .deleteNamespacedPod({ name: foreign, namespace: cciNamespace() })
        .catch(() => undefined);
      await env()
        .core.deleteNode({ name: nodeName })
        .catch(() => undefined);
    }
  });

  it('with two replicas only the leader acts; when it stops, the standby takes over', async () => {
    const nodeName = `vk-leader-${randomBytes(3).toString('hex')}`;
    const ns = await env().createNamespace('leader');
    // As installed, the lock is the node's own Lease: the one Lease a node may write.
    const lease = {
      namespace: 'kube-node-lease',
      name: nodeName,
      leaseDurationSeconds: 3,
      retryPeriodMs: 300,
    };
    const logs: string[] = [];
    const first = await startTestProvider(env(), nodeName, logs, {
      leaderElection: { ...lease, identity: 'replica-a' },
    });
    await first.ready;
    const second = await startTestProvider(env(), nodeName, logs, {
      leaderElection: { ...lease, identity: 'replica-b' },
    });
    try {
      const holder = async () =>
        (await env().kc.makeApiClient(CoordinationV1Api).readNamespacedLease(lease)).spec?.holderIdentity;
      assert.equal(await holder(), 'replica-a');
      assert.ok(first.pods, 'the leader runs the pod controller');
      await env().core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'one' }, spec: podSpec(nodeName) },
      });
      await waitFor('the first pod to run', async () => (await phase(ns, 'one'))?.phase === 'Running');
      assert.equal(second.pods, undefined, 'the standby does nothing');
      assert.equal((await fetch(`http://127.0.0.1:${second.healthPort}/readyz`)).status, 200);

      await first.stop();
      await second.ready;
      assert.equal(await holder(), 'replica-b');
      await env().core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'two' }, spec: podSpec(nodeName) },
      });
      await waitFor('the second pod to run', async () => (await phase(ns, 'two'))?.phase === 'Running');
      const inCci = (await cci().listNamespacedPod({ namespace: cciNamespace() })).items.filter(
        (p) => originOf(p, nodeName)?.namespace === ns,
      );
      assert.equal(inCci.length, 2, 'the new leader did not create the first pod again');
    } finally {
      await first.stop();
      await second.stop();
      await env()
        .core.deleteNode({ name: nodeName })
        .catch(() => undefined);
    }
  });

  // Last: it deletes the namespace every test provider shares (the repair makes it again).
  describe('the CCI namespace deleted under a running runtime', () => {
    const { nodeName, logs } = useTestProvider(env, 'vk-ns-gone');

    it('makes the namespace and its Network again, and the next pod runs', async () => {
      const core = cci();
      await core.deleteNamespace({ name: cciNamespace() });
      await waitFor(
        'the CCI namespace to be gone',
        () =>
          core.readNamespace({ name: cciNamespace() }).then(
            () => false,
            () => true,
          ),
        { timeoutMs: 120_000 },
      );
      const ns = await env().createNamespace('ns-gone');
      await env().core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'after' }, spec: podSpec(nodeName) },
      });
      await waitFor('the pod to run', async () => (await phase(ns, 'after'))?.phase === 'Running', {
        timeoutMs: 120_000,
      });
      assert.ok(
        logs.some((line) => line.includes('the CCI namespace or its Network is gone; making them again')),
      );
      // The repair's own wait may see the Network Active a poll after the pod already ran.
      await waitFor('the repair to finish', () =>
        Promise.resolve(logs.some((line) => line.includes('the CCI namespace and its Network are back'))),
      );
    });
  });
});
