// What a pod brings with it to CCI: its ConfigMaps and Secrets (env, envFrom, volumes and
// imagePullSecrets) copied into the CCI namespace, kept current, deleted when no pod uses them; its
// own fields resolved into env; and CCI's events about it shown on the cluster's pod.
import assert from 'node:assert/strict';
import type { V1PodSpec } from '@kubernetes/client-node';
import { PROVIDER_TAINT } from '../../src/provider/node.js';
import { cciObjectName, cciPodName } from '../../src/provider/translate.js';
import { useTestEnvironment } from '../env/environment.js';
import { cciBackend, cciNamespaceOf, useTestProvider } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

describe('vkctl provider run: ConfigMaps, Secrets and events', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const { nodeName } = useTestProvider(env, 'vk-sync');
  const cci = () => cciBackend(env());
  const cciNamespace = () => cciNamespaceOf(env());
  const exists = (read: Promise<unknown>) =>
    read.then(
      () => true,
      (e: Error & { code?: number }) => (e.code === 404 ? false : Promise.reject(e)),
    );
  const onVirtualNode = (spec: Partial<V1PodSpec>): V1PodSpec => ({
    nodeName,
    tolerations: [{ key: PROVIDER_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }],
    containers: [],
    ...spec,
  });

  it('copies a pod’s ConfigMap and Secret to CCI, resolves its env there, and updates then deletes the copies', async () => {
    const ns = await env().createNamespace('sync');
    await env().core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { greeting: 'hello', 'app.conf': 'mode=burst' } },
    });
    await env().core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'token' }, stringData: { value: 's3cret' } },
    });
    await env().core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'reader', labels: { tier: 'batch' } },
        spec: onVirtualNode({
          restartPolicy: 'Never',
          volumes: [{ name: 'conf', configMap: { name: 'settings' } }],
          containers: [
            {
              name: 'main',
              image: 'busybox:1.36',
              command: ['sh', '-c', 'echo $GREETING from $POD_NAME in $TIER with $TOKEN; sleep 2'],
              env: [
                { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
                { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'token', key: 'value' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
              ],
              volumeMounts: [{ name: 'conf', mountPath: '/etc/app' }],
              resources: { limits: { cpu: '250m', memory: '1Gi' } },
            },
          ],
        }),
      },
    });
    const copyName = cciObjectName(ns, 'settings');
    const copy = await waitFor('the ConfigMap copy in CCI', () =>
      cci()
        .readNamespacedConfigMap({ name: copyName, namespace: cciNamespace() })
        .catch(() => undefined),
    );
    assert.equal(copy.data?.greeting, 'hello');
    assert.equal(copy.metadata?.annotations?.['vkctl.io/origin-namespace'], ns);
    assert.ok(
      !(await exists(
        cci().readNamespacedConfigMap({
          name: cciObjectName(ns, 'kube-root-ca.crt'),
          namespace: cciNamespace(),
        }),
      )),
      'the cluster token’s CA is not copied (the token volume is left out)',
    );
    const secretCopy = await cci().readNamespacedSecret({
      name: cciObjectName(ns, 'token'),
      namespace: cciNamespace(),
    });
    assert.equal(Buffer.from(secretCopy.data?.value ?? '', 'base64').toString(), 's3cret');
    const cciPod = await cci().readNamespacedPod({
      name: cciPodName(ns, 'reader'),
      namespace: cciNamespace(),
    });
    assert.equal(cciPod.spec?.volumes?.find((v) => v.name === 'conf')?.configMap?.name, copyName);
    // The secret stays a reference (its value is not written into the pod spec).
    assert.equal(
      cciPod.spec?.containers[0]?.env?.find((e) => e.name === 'TOKEN')?.valueFrom?.secretKeyRef?.name,
      cciObjectName(ns, 'token'),
    );
    // What the container saw, from CCI's log: the ConfigMap's value, the cluster pod's own name.
    await waitFor('the container’s output', () =>
      Promise.resolve(
        env()
          .emulator.runtime.logs.lines(cciPod.metadata?.uid ?? '', 'main')
          .some((line) => line.text === 'hello from reader in batch with s3cret'),
      ),
    );

    await env().core.replaceNamespacedConfigMap({
      name: 'settings',
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { greeting: 'hi again', 'app.conf': 'mode=burst' } },
    });
    await waitFor('the change to reach the CCI copy', async () => {
      const current = await cci().readNamespacedConfigMap({ name: copyName, namespace: cciNamespace() });
      return current.data?.greeting === 'hi again';
    });

    await env().core.deleteNamespacedPod({ name: 'reader', namespace: ns });
    await waitFor('the copies to go with the last pod using them', async () => {
      const left = await Promise.all([
        exists(cci().readNamespacedConfigMap({ name: copyName, namespace: cciNamespace() })),
        exists(cci().readNamespacedSecret({ name: cciObjectName(ns, 'token'), namespace: cciNamespace() })),
      ]);
      return left.every((l) => !l);
    });
  });

  it('copies imagePullSecrets (SWR) and refers the CCI pod to the copy', async () => {
    const ns = await env().createNamespace('pull');
    const auth = Buffer.from('user:pass').toString('base64');
    await env().core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'swr' },
        type: 'kubernetes.io/dockerconfigjson',
        stringData: {
          '.dockerconfigjson': JSON.stringify({ auths: { 'swr.cn-north-4.myhuaweicloud.com': { auth } } }),
        },
      },
    });
    await env().core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'private' },
        spec: onVirtualNode({
          imagePullSecrets: [{ name: 'swr' }],
          containers: [
            {
              name: 'main',
              image: 'swr.cn-north-4.myhuaweicloud.com/team/app:1.0',
              resources: { limits: { cpu: '250m', memory: '1Gi' } },
            },
          ],
        }),
      },
    });
    const cciPod = await waitFor('the CCI pod', () =>
      cci()
        .readNamespacedPod({ name: cciPodName(ns, 'private'), namespace: cciNamespace() })
        .catch(() => undefined),
    );
    assert.deepEqual(
      cciPod.spec?.imagePullSecrets?.map((s) => s.name),
      [cciObjectName(ns, 'swr')],
    );
    const copy = await cci().readNamespacedSecret({
      name: cciObjectName(ns, 'swr'),
      namespace: cciNamespace(),
    });
    assert.equal(copy.type, 'kubernetes.io/dockerconfigjson');
  });

  it('shows CCI’s events on the pod; a pod waiting for a missing ConfigMap starts once it exists', async () => {
    const ns = await env().createNamespace('events');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'waiter' },
        spec: onVirtualNode({
          volumes: [{ name: 'conf', configMap: { name: 'late' } }],
          containers: [
            {
              name: 'main',
              image: 'nginx:1.27',
              volumeMounts: [{ name: 'conf', mountPath: '/etc/late' }],
              resources: { limits: { cpu: '250m', memory: '1Gi' } },
            },
          ],
        }),
      },
    });
    const events = () =>
      env()
        .core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=waiter' })
        .then((list) => list.items);
    const failedMount = await waitFor('CCI’s FailedMount event on the pod', async () =>
      (await events()).find((e) => e.reason === 'FailedMount'),
    );
    assert.equal(failedMount.type, 'Warning');
    assert.equal(failedMount.source?.component, 'cci');
    assert.match(failedMount.message ?? '', /configmap "[^"]*late" not found/);
    assert.equal(
      (await env().core.readNamespacedPod({ name: 'waiter', namespace: ns })).status?.phase,
      'Pending',
    );

    await env().core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'late' }, data: { a: 'b' } },
    });
    await waitFor(
      'the pod to run',
      async () =>
        (await env().core.readNamespacedPod({ name: 'waiter', namespace: ns })).status?.phase === 'Running',
    );
    const reasons = (
      await waitFor('the Started event', async () => {
        const list = await events();
        return list.some((e) => e.reason === 'Started') ? list : undefined;
      })
    ).map((e) => e.reason);
    for (const reason of ['Scheduled', 'Pulled', 'Created', 'Started'])
      assert.ok(reasons.includes(reason), reason);
  });
});
