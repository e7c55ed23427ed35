// The emulated CCI's kubelet, as Kubernetes 1.19's (kubelet-model.ts): init containers one after
// another to completion before the app containers (one that never ends keeps the pod Pending and
// initializing; one that fails fails the pod under restartPolicy Never, and runs again otherwise);
// app containers in list order, each after the postStart hook of the one before; and `vkctl proxy
// stop` in a container that runs the proxy ends it with exit code 0. Pods go straight into CCI's
// backing apiserver, which the emulator's runtime watches: what is tested is the runtime, not CCI's
// admission in front of it.
import assert from 'node:assert/strict';
import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { useTestEnvironment } from '../env/environment.js';
import { cciBackend } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

const script = (name: string, text: string): V1Container => ({
  name,
  image: 'busybox:1.36',
  command: ['sh', '-c', text],
});
const server = (name: string, extra: Partial<V1Container> = {}): V1Container => ({
  name,
  image: 'nginx:1.27',
  ...extra,
});

describe('Huawei Cloud emulator: the CCI kubelet’s container order', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();
  let namespace = '';
  before(async () => {
    namespace = `kubelet-${Date.now().toString(36)}`;
    await cciBackend(env()).createNamespace({ body: { metadata: { name: namespace } } });
  });

  const create = (name: string, spec: V1PodSpec) =>
    cciBackend(env()).createNamespacedPod({ namespace, body: { metadata: { name }, spec } });
  const read = (name: string) => cciBackend(env()).readNamespacedPod({ name, namespace });
  const timeline = (pod: V1Pod) =>
    env()
      .emulator.runtime.containerTimeline(pod.metadata?.uid ?? '')
      .map((e) => `${e.container} ${e.event}`);
  const phase = (name: string, wanted: string) =>
    waitFor(`${name} to be ${wanted}`, async () => {
      const pod = await read(name);
      return pod.status?.phase === wanted ? pod : undefined;
    });

  it('runs the init containers one after another to completion, then the app containers', async () => {
    const created = await create('inits', {
      restartPolicy: 'Always',
      initContainers: [script('first', 'echo one'), script('second', 'sleep 1; echo two')],
      containers: [server('app')],
    });
    const running = await phase('inits', 'Running');
    assert.deepEqual(timeline(created), [
      'first started',
      'first exited',
      'second started',
      'second exited',
      'app started',
    ]);
    assert.deepEqual(
      running.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason, s.ready]),
      [
        ['first', 'Completed', true],
        ['second', 'Completed', true],
      ],
    );
    assert.equal(running.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  });

  it('keeps a pod Pending and initializing while an init container runs, without starting the app', async () => {
    const created = await create('stuck', {
      restartPolicy: 'Always',
      initContainers: [server('never-ends')],
      containers: [server('app')],
    });
    const pending = await waitFor('the init container to run', async () => {
      const pod = await read('stuck');
      return pod.status?.initContainerStatuses?.[0]?.state?.running ? pod : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await read('stuck');
    for (const pod of [pending, later]) {
      assert.equal(pod.status?.phase, 'Pending');
      assert.equal(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
      const initialized = pod.status?.conditions?.find((c) => c.type === 'Initialized');
      assert.equal(initialized?.status, 'False');
      assert.equal(initialized?.reason, 'ContainersNotInitialized');
      assert.equal(initialized?.message, 'containers with incomplete status: [never-ends]');
    }
    assert.deepEqual(timeline(created), ['never-ends started']);
  });

  it('fails the pod when an init container fails under restartPolicy Never, and runs it again otherwise', async () => {
    const never = await create('init-fails', {
      restartPolicy: 'Never',
      initContainers: [script('setup', 'exit 3')],
      containers: [server('app')],
    });
    const failed = await phase('init-fails', 'Failed');
    assert.equal(failed.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 3);
    assert.deepEqual(timeline(never), ['setup started', 'setup exited'], 'the app never started');

    await create('init-retries', {
      restartPolicy: 'OnFailure',
      initContainers: [script('setup', 'exit 3')],
      containers: [server('app')],
    });
    const retried = await waitFor('the init container to run again', async () => {
      const pod = await read('init-retries');
      return (pod.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1 ? pod : undefined;
    });
    assert.equal(retried.status?.phase, 'Pending');
    assert.equal(retried.status?.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode, 3);
  });

  it('starts each app container only once the postStart hook of the one before has returned', async () => {
    const created = await create('hooked', {
      restartPolicy: 'Always',
      containers: [
        server('first', { lifecycle: { postStart: { exec: { command: ['sh', '-c', 'true'] } } } }),
        server('second'),
      ],
    });
    await phase('hooked', 'Running');
    assert.deepEqual(timeline(created), ['first started', 'first postStartReturned', 'second started']);
  });

  it('ends a container that runs the proxy with exit code 0 on `vkctl proxy stop`, and no other', async () => {
    const created = await create('proxied', {
      restartPolicy: 'Never',
      containers: [
        server('vkctl-proxy', {
          args: ['proxy', '--dns-address=127.0.0.1:53'],
          lifecycle: { postStart: { exec: { command: ['vkctl', 'proxy', 'wait', '--timeout=30s'] } } },
        }),
        script('main', 'echo done'),
      ],
    });
    const uid = created.metadata?.uid ?? '';
    const done = await waitFor('the app to finish while the proxy runs', async () => {
      const pod = await read('proxied');
      const [proxy, main] = pod.status?.containerStatuses ?? [];
      return proxy?.state?.running && main?.state?.terminated ? pod : undefined;
    });
    assert.equal(done.status?.phase, 'Running', 'an ordinary container keeps the pod running');
    assert.equal(env().emulator.runtime.proxyControl(uid, 'main'), undefined, 'main does not run the proxy');
    const proxy = env().emulator.runtime.proxyControl(uid, 'vkctl-proxy');
    assert.equal(await proxy?.wait(), 0);
    assert.equal(proxy?.stop(), 0);
    const succeeded = await phase('proxied', 'Succeeded');
    assert.equal(succeeded.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
    assert.equal(proxy?.stop(), 1, 'nothing left to stop');
  });
});
