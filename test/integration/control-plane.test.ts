// The test control plane behaves as a real cluster: the real controller-manager creates a
// Deployment's pods, the real scheduler binds them to fake nodes within their capacity, the fake
// kubelet runs them, the endpoints controller publishes them, and RBAC restricts the second user.
import assert from 'node:assert/strict';
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { auditedKubeconfig, auditedRequests, burstAudit } from '../env/audit.js';
import { KUBERNETES_VERSION } from '../env/control-plane.js';
import { useTestEnvironment } from '../env/environment.js';
import { waitFor } from '../env/wait.js';

function deployment(name: string, replicas: number, pool: string, cpu: string): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: { pool },
          containers: [
            { name: 'web', image: 'nginx:1.27', resources: { requests: { cpu, memory: '64Mi' } } },
          ],
        },
      },
    },
  };
}

describe('test control plane (real kube-apiserver, controller-manager, scheduler)', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();

  it('serves the Kubernetes version it was built as', async () => {
    const version = await env().kc.makeApiClient(VersionApi).getCode();
    assert.equal(version.gitVersion, `v${process.env.VKCTL_K8S_VERSION ?? KUBERNETES_VERSION}`);
  });

  it("runs a Deployment's pods on fake nodes: controller-manager creates, scheduler binds, pods Running", async () => {
    const ns = await env().createNamespace('deploy');
    const pool = `pool-${ns}`;
    const kubelet = await env().addNodes({ count: 2, cpu: '2', memory: '4Gi', labels: { pool } });
    try {
      await env().apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment('web', 3, pool, '500m'),
      });
      const available = await waitFor('3 available replicas', async () => {
        const d = await env().apps.readNamespacedDeployment({ name: 'web', namespace: ns });
        return d.status?.availableReplicas === 3 ? d : undefined;
      });
      assert.equal(available.status?.readyReplicas, 3);
      const pods = await env().core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
      assert.equal(pods.items.length, 3);
      for (const pod of pods.items) {
        assert.ok(kubelet.nodeNames.includes(pod.spec?.nodeName ?? ''), `pod bound to ${pod.spec?.nodeName}`);
        assert.equal(pod.status?.phase, 'Running');
        assert.match(pod.status?.podIP ?? '', /^10\.\d+\.\d+\.\d+$/);
        // The pods were made by the ReplicaSet the deployment controller made.
        assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'ReplicaSet');
      }
    } finally {
      await env().removeNodes(kubelet);
    }
  });

  it('leaves pods Pending when a Deployment is larger than the nodes can hold', async () => {
    const ns = await env().createNamespace('full');
    const pool = `pool-${ns}`;
    const kubelet = await env().addNodes({ count: 1, cpu: '1', memory: '4Gi', labels: { pool } });
    try {
      await env().apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment('big', 3, pool, '400m'),
      });
      const pods = await waitFor('2 Running and 1 unschedulable pod', async () => {
        const list = await env().core.listNamespacedPod({ namespace: ns, labelSelector: 'app=big' });
        const running = list.items.filter((p) => p.status?.phase === 'Running');
        const unschedulable = list.items.filter((p: V1Pod) =>
          p.status?.conditions?.some(
            (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
          ),
        );
        return running.length === 2 && unschedulable.length === 1 ? { running, unschedulable } : undefined;
      });
      const pending = pods.unschedulable[0];
      assert.equal(pending?.status?.phase, 'Pending');
      assert.equal(pending?.spec?.nodeName, undefined);
      assert.match(
        pending?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '',
        /Insufficient cpu/,
      );
    } finally {
      await env().removeNodes(kubelet);
    }
  });

  it('publishes Running pods in EndpointSlices and completes graceful deletion', async () => {
    const ns = await env().createNamespace('svc');
    const pool = `pool-${ns}`;
    const kubelet = await env().addNodes({ count: 1, cpu: '4', labels: { pool } });
    try {
      await env().apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment('api', 2, pool, '100m'),
      });
      await env().core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'api' }, spec: { selector: { app: 'api' }, ports: [{ port: 80 }] } },
      });
      const discovery = env().kc.makeApiClient(DiscoveryV1Api);
      const addresses = await waitFor('2 ready endpoints', async () => {
        const slices = await discovery.listNamespacedEndpointSlice({
          namespace: ns,
          labelSelector: 'kubernetes.io/service-name=api',
        });
        const ready = slices.items.flatMap((s) =>
          s.endpoints.filter((e) => e.conditions?.ready).flatMap((e) => e.addresses),
        );
        return ready.length === 2 ? ready : undefined;
      });
      const pods = await env().core.listNamespacedPod({ namespace: ns, labelSelector: 'app=api' });
      assert.deepEqual([...addresses].sort(), pods.items.map((p) => p.status?.podIP).sort());

      const victim = pods.items[0]?.metadata?.name ?? '';
      await env().core.deleteNamespacedPod({ name: victim, namespace: ns });
      await waitFor('the deleted pod to be gone', async () =>
        env()
          .core.readNamespacedPod({ name: victim, namespace: ns })
          .then(
            () => false,
            (e: { code?: number }) => e.code === 404,
          ),
      );
    } finally {
      await env().removeNodes(kubelet);
    }
  });

  it('has a second user whom RBAC restricts until a role is bound', async () => {
    const ns = await env().createNamespace('rbac');
    const restricted = env().controlPlane.kubeConfig('restricted').makeApiClient(CoreV1Api);
    await assert.rejects(
      restricted.listNamespacedPod({ namespace: ns }),
      (e: { code?: number }) => e.code === 403,
    );
    await env().rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }],
      },
    });
    await env().rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'pod-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'User', name: 'restricted-user', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    const pods = await waitFor('the role binding to take effect', () =>
      restricted.listNamespacedPod({ namespace: ns }),
    );
    assert.equal(pods.items.length, 0);
    await assert.rejects(
      restricted.listNamespacedSecret({ namespace: ns }),
      (e: { code?: number }) => e.code === 403,
    );
  });
  it("counts each request of the audited group once, and no other user's", async () => {
    const user = `audited-${Date.now()}`;
    const kubeconfig = await auditedKubeconfig(env(), user);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const audited = kc.makeApiClient(CoreV1Api);
    const from = Date.now() - 1000;
    await audited.listNamespace();
    await audited.listNamespace();
    await audited.readNamespace({ name: 'default' });
    await env().core.listNamespace(); // the admin: not audited
    const count = auditedRequests(env(), user, from, Date.now() + 1000);
    assert.deepEqual(count, { total: 3, byVerb: { list: 2, get: 1 } });
    assert.equal(auditedRequests(env(), 'admin', from, Date.now() + 1000).total, 0);
  });

  it("logs the scheduler's binding and the audited group's status writes as answered, counted once", async () => {
    const ns = await env().createNamespace('audit');
    const pool = `pool-${ns}`;
    const kubelet = await env().addNodes({ count: 1, cpu: '2', memory: '4Gi', labels: { pool } });
    try {
      const user = `audited-${Date.now()}`;
      const kc = new KubeConfig();
      kc.loadFromFile(await auditedKubeconfig(env(), user));
      const audited = kc.makeApiClient(CoreV1Api);
      const from = Date.now() - 1000;
      await env().core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: 'p' },
          spec: { nodeSelector: { pool }, containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      });
      await waitFor('the pod bound', async () => {
        const pod = await env().core.readNamespacedPod({ name: 'p', namespace: ns });
        return pod.spec?.nodeName;
      });
      await audited.patchNamespacedPodStatus(
        { name: 'p', namespace: ns, body: { status: { message: 'audited write' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const to = Date.now() + 1000;
      const audit = burstAudit(env(), user, ns, from, to);
      const boundAt = audit.bindingAnswered.get('p');
      const writtenAt = audit.statusWriteAnswered.get('p');
      assert.ok(boundAt !== undefined && writtenAt !== undefined, `bound ${boundAt}, written ${writtenAt}`);
      assert.ok(writtenAt >= boundAt, 'the status write was answered after the binding');
      // The patch is in the log twice (as it arrived, as answered) and counted once.
      assert.deepEqual(auditedRequests(env(), user, from, to), { total: 1, byVerb: { patch: 1 } });
      assert.deepEqual(audit.requests, { total: 1, byVerb: { patch: 1 } });
      const receivedAt = audit.statusWriteReceived.get('p');
      assert.ok(receivedAt !== undefined && receivedAt <= writtenAt, 'received before it was answered');
    } finally {
      await env().removeNodes(kubelet);
    }
  });
});
