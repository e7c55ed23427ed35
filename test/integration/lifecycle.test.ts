// install, status, history and uninstall on the real control plane with the emulated cloud: every
// object applied with our labels and field manager, a release recorded, re-runs and dry runs that
// change nothing, an interrupted install that completes when run again, and an uninstall that
// leaves nothing of ours behind, in the cluster or in CCI.
import assert from 'node:assert/strict';
import { CoordinationV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { cliVersion } from '../../src/shared/catalog.js';
import { install, type InstallRequest } from '../../src/addon/install.js';
import { PreflightFailedError } from '../../src/checks/preflight-run.js';
import { listReleases } from '../../src/addon/release-store.js';
import { renderManifests, type ObjectRef } from '../../src/addon/render.js';
import { addonHistory, addonStatus } from '../../src/addon/status.js';
import { uninstall } from '../../src/addon/uninstall.js';
import { resolveValues } from '../../src/addon/values.js';
import { StateError } from '../../src/errors.js';
import { installRequest, removeAddon, type InstallOptions } from '../env/addon.js';
import { useTestEnvironment, vkctlEnvironment, type TestEnvironment } from '../env/environment.js';
import { runVkctl } from '../env/run-cli.js';
import { sdkRequest } from '../env/sdk-request.js';
import { waitFor } from '../env/wait.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const VERSION = cliVersion();

function request(env: TestEnvironment, namespace: string, extra: InstallOptions = {}): InstallRequest {
  return installRequest(env, namespace, extra);
}

async function readAll(
  env: TestEnvironment,
  refs: readonly ObjectRef[],
): Promise<(KubernetesObject | undefined)[]> {
  const client = KubernetesObjectApi.makeApiClient(env.kc);
  return Promise.all(
    refs.map((r) =>
      client
        .read({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, namespace: r.namespace } })
        .catch((e: { code?: number }) => {
          if (e.code === 404) return undefined;
          throw e;
        }),
    ),
  );
}

describe('vkctl install and uninstall', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();

  it('applies every object with our labels and field manager, records revision 1, and a re-run changes nothing', async () => {
    const ns = await env().createNamespace('addon');
    const first = await install(request(env(), ns));
    try {
      assert.equal(first.outcome, 'installed');
      assert.equal(first.revision, 1);
      const objects = await readAll(env(), first.objects);
      // Every object the version renders (11 in 0.2.0), each of them applied.
      assert.equal(objects.length, first.objects.length);
      assert.ok(objects.length >= 11, `${objects.length} objects`);
      for (const [i, object] of objects.entries()) {
        assert.ok(object, `${first.objects[i]?.kind}/${first.objects[i]?.name} exists`);
        assert.equal(object.metadata?.labels?.['app.kubernetes.io/managed-by'], 'vkctl');
        assert.equal(object.metadata?.labels?.['vkctl.io/version'], VERSION);
        assert.ok(
          object.metadata?.managedFields?.some((f) => f.manager === 'vkctl' && f.operation === 'Apply'),
        );
      }
      const releases = await listReleases(env().core, ns);
      assert.deepEqual(
        releases.map((r) => [r.revision, r.status, r.version]),
        [[1, 'deployed', VERSION]],
      );
      assert.equal(
        JSON.stringify(releases[0]?.values).includes(env().emulator.scenario.secretKey),
        false,
        'no secret in the release',
      );

      const before = objects.map((o) => o?.metadata?.resourceVersion);
      const again = await install(request(env(), ns));
      assert.equal(again.outcome, 'unchanged');
      const after = (await readAll(env(), first.objects)).map((o) => o?.metadata?.resourceVersion);
      assert.deepEqual(after, before);
      assert.equal((await listReleases(env().core, ns)).length, 1);

      await assert.rejects(
        install(request(env(), ns, { sets: ['replicas=2'] })),
        (e: unknown) => e instanceof StateError && /use vkctl upgrade/.test(e.message),
      );

      const status = await addonStatus(env().kc, ns);
      assert.equal(status.status, 'deployed');
      assert.equal(status.node?.registered, false);
      assert.deepEqual(
        (await addonHistory(env().kc, ns)).map((h) => h.revision),
        [1],
      );
    } finally {
      await removeAddon(env(), ns);
    }
  });

  it('changes nothing with --dry-run, for install and for uninstall', async () => {
    const ns = await env().createNamespace('dry');
    const dry = await install(request(env(), ns, { dryRun: true }));
    assert.equal(dry.outcome, 'dry-run');
    assert.match(dry.manifest ?? '', /kind: Deployment/);
    assert.ok(!(dry.manifest ?? '').includes(env().emulator.scenario.secretKey), 'secrets are redacted');
    assert.deepEqual(
      (await readAll(env(), dry.objects)).filter((o) => o !== undefined),
      [],
    );
    assert.equal((await listReleases(env().core, ns)).length, 0);

    const real = await install(request(env(), ns));
    try {
      const before = (await readAll(env(), real.objects)).map((o) => o?.metadata?.resourceVersion);
      const plan = await uninstall({
        kc: env().kc,
        namespace: ns,
        dryRun: true,
        force: false,
        timeoutMs: 10_000,
        progress: () => undefined,
      });
      assert.equal(plan.outcome, 'dry-run');
      assert.ok(plan.removed.includes(`Deployment/${ns}/vkctl-provider`));
      const after = (await readAll(env(), real.objects)).map((o) => o?.metadata?.resourceVersion);
      assert.deepEqual(after, before);
    } finally {
      await removeAddon(env(), ns);
    }
  });

  it('refuses to install when a preflight check fails, and applies nothing', async () => {
    const ns = await env().createNamespace('refused');
    const entry = env().emulator.state.clusters.get(env().emulator.scenario.clusterId);
    assert.ok(entry);
    entry.cluster.spec.containerNetwork.mode = 'overlay_l2';
    try {
      await assert.rejects(
        install(request(env(), ns)),
        (e: unknown) => e instanceof PreflightFailedError && /VPC network mode/.test(e.message),
      );
      assert.equal((await listReleases(env().core, ns)).length, 0);
    } finally {
      entry.cluster.spec.containerNetwork.mode = 'vpc-router';
    }
  });

  it('renders the interconnect parts only with --interconnect', () => {
    const s = env().emulator.scenario;
    const render = (interconnect: boolean) =>
      renderManifests({
        version: VERSION,
        namespace: 'kube-system',
        values: resolveValues(VERSION, { flags: { region: s.region, clusterId: s.clusterId, interconnect } }),
        credentials: { accessKey: 'AK', secretKey: 'SK' },
        webhook: { caCert: 'ca', caKey: 'cakey', cert: 'crt', key: 'key' },
      }).map((o) => `${o.kind}/${o.metadata?.name}`);
    const on = render(true);
    const off = render(false);
    assert.deepEqual(on.filter((x) => !off.includes(x)).sort(), [
      'ClusterRole/vkctl-proxy',
      'ClusterRoleBinding/vkctl-proxy',
      'Role/vkctl-provider-proxy-token',
      'RoleBinding/vkctl-provider-proxy-token',
      'ServiceAccount/vkctl-proxy',
    ]);
  });

  it('uninstall evicts the virtual node’s pods and leaves nothing: no labelled object, node, lease, CCI namespace or release', async () => {
    const ns = await env().createNamespace('gone');
    // A node standing in for the virtual node, run by the fake kubelet so evicted pods terminate.
    const kubelet = await env().addNodes({ count: 1, prefix: `vk-${ns}`, cpu: '4' });
    const nodeName = kubelet.nodeNames[0] ?? '';
    const result = await install(request(env(), ns, { preflight: undefined, nodeName }));
    const { scenario } = env().emulator;
    const cciNs = `cce-burst-${scenario.clusterId}`;
    const cci = (method: string, path: string, body?: unknown) =>
      sdkRequest(
        { method, endpoint: env().emulator.endpoints.cci, path, body },
        scenario.accessKey,
        scenario.secretKey,
        scenario.projectId,
      );
    await cci('POST', '/api/v1/namespaces', {
      metadata: { name: cciNs, annotations: { 'namespace.kubernetes.io/flavor': 'general-computing' } },
    });
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'bursting' }, spec: { nodeName, containers: [{ name: 'c', image: 'x' }] } },
    });
    await waitFor(
      'the pod to run',
      async () =>
        (await env().core.readNamespacedPod({ name: 'bursting', namespace: ns })).status?.phase === 'Running',
    );

    const messages: string[] = [];
    const done = await uninstall({
      kc: env().kc,
      namespace: ns,
      dryRun: false,
      force: false,
      timeoutMs: 30_000,
      progress: (m) => messages.push(m),
    });
    await env()
      .removeNodes(kubelet)
      .catch(() => undefined);
    assert.equal(done.outcome, 'uninstalled');
    assert.equal(
      messages[0],
      'deleting MutatingWebhookConfiguration/vkctl-burst-policy',
      'the webhook goes first',
    );
    assert.deepEqual(
      (await readAll(env(), result.objects)).filter((o) => o !== undefined),
      [],
    );
    const labelled = await env().core.listNamespacedSecret({
      namespace: ns,
      labelSelector: 'app.kubernetes.io/part-of=vkctl',
    });
    assert.equal(labelled.items.length, 0);
    await assert.rejects(
      env().core.readNamespacedPod({ name: 'bursting', namespace: ns }),
      (e: { code?: number }) => e.code === 404,
    );
    await assert.rejects(env().core.readNode({ name: nodeName }), (e: { code?: number }) => e.code === 404);
    await assert.rejects(
      env()
        .kc.makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ name: nodeName, namespace: 'kube-node-lease' }),
      (e: { code?: number }) => e.code === 404,
    );
    assert.equal((await listReleases(env().core, ns)).length, 0);
    await waitFor(
      'the CCI namespace to be gone',
      async () => (await cci('GET', `/api/v1/namespaces/${cciNs}`)).status === 404,
    );

    const again = await uninstall({
      kc: env().kc,
      namespace: ns,
      dryRun: false,
      force: false,
      timeoutMs: 10_000,
      progress: () => undefined,
    });
    assert.equal(again.outcome, 'not-installed');
  });

  it('completes an install that was killed (SIGKILL) after its first objects were applied', async () => {
    const ns = await env().createNamespace('killed');
    const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
    const child = spawn(
      process.execPath,
      [bin, 'install', '-n', ns, '--no-wait', '--skip-checks', '--node-name', `vk-${ns}`],
      {
        env: { ...process.env, ...vkctlEnvironment(env()) },
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitFor(
        'the first objects to be applied',
        async () => {
          const sa = await env()
            .core.readNamespacedServiceAccount({ name: 'vkctl-provider', namespace: ns })
            .catch(() => undefined);
          return sa !== undefined;
        },
        { intervalMs: 5, timeoutMs: 20_000 },
      );
      child.kill('SIGKILL');
      await exited;
      const left = await listReleases(env().core, ns);
      assert.equal(left[0]?.status, 'pending-install', 'the killed install left its release pending');

      const rerun = await runVkctl(['install', '-n', ns, '--no-wait', '--node-name', `vk-${ns}`], {
        env: vkctlEnvironment(env()),
      });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.ok(
        /installed vkctl \S+ in \S+ \(revision 1, \d+ objects\)/.test(rerun.stdout) &&
          rerun.stdout.includes(`installed vkctl ${VERSION} in ${ns} (revision 1,`),
        rerun.stdout,
      );
      const releases = await listReleases(env().core, ns);
      assert.deepEqual(
        releases.map((r) => [r.revision, r.status]),
        [[1, 'deployed']],
      );
      const objects = await readAll(env(), releases[0]?.objects ?? []);
      assert.ok(objects.every((o) => o !== undefined));
    } finally {
      child.kill('SIGKILL');
      await removeAddon(env(), ns);
    }
  });

  it('install --wait times out with a failed release while the virtual node never registers', async () => {
    const ns = await env().createNamespace('waits');
    const kubelet = await env().addNodes({ count: 1, cpu: '4' });
    try {
      const result = await install(
        request(env(), ns, { wait: true, timeoutMs: 4_000, preflight: undefined }),
      );
      assert.equal(result.outcome, 'failed');
      assert.match(result.message ?? '', /deployment rolled out, node vk-\S+ not registered yet/);
      assert.equal((await listReleases(env().core, ns))[0]?.status, 'failed');
    } finally {
      await env().removeNodes(kubelet);
      await removeAddon(env(), ns);
    }
  });
});
