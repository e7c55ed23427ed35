// Interconnect in the runtime: every CCI pod gets the proxy as its first ordinary container (CCI is
// at Kubernetes 1.19: no native sidecars), held by a postStart wait so that the app starts after
// it, with the pod's DNS pointed at it and a kubeconfig Secret in CCI whose token can read Services
// and EndpointSlices and nothing else; its size counts toward CCI's pod rules. And the other way
// round, CCE to CCI: the real endpoints controller puts a burst pod's CCI IP into its Service's
// endpoints once it is Ready. (Jobs and the proxy's own process: interconnect-proxy.test.ts.)
import assert from 'node:assert/strict';
import { CoreV1Api, DiscoveryV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { aliasOf } from '../../src/provider/interconnect/aliases.js';
import {
  PROXY_CONTAINER,
  PROXY_KUBECONFIG_SECRET,
  PROXY_WAIT_COMMAND,
} from '../../src/provider/interconnect/sidecar.js';
import { useTestEnvironment } from '../env/environment.js';
import { PROXY_IMAGE, useInterconnectProvider } from '../env/interconnect.js';
import { cciBackend, cciNamespaceOf, virtualNodePodSpec } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

describe('vkctl provider run with interconnect', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const vk = useInterconnectProvider(env, 'vk-ic');
  const cciPod = vk.cciPod;

  it('gives each CCI pod the proxy as its first container, started before the app, its DNS, and a token that may only read Services', async () => {
    const ns = await env().createNamespace('ic');
    const db = await env().core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'db-main' }, spec: { ports: [{ name: 'sql', port: 5432 }] } },
    });
    const spec = virtualNodePodSpec(vk.nodeName);
    const [main] = spec.containers;
    if (main) main.env = [{ name: 'DB_MAIN_SERVICE_PORT', value: 'mine' }];
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'app', labels: { app: 'web' } }, spec },
    });
    const running = await waitFor('the pod to run', async () => {
      const pod = await env().core.readNamespacedPod({ name: 'app', namespace: ns });
      return pod.status?.phase === 'Running' ? pod : undefined;
    });
    const inCci = await cciPod(ns, 'app');
    const [proxy, app] = inCci.spec?.containers ?? [];
    assert.equal(proxy?.name, PROXY_CONTAINER, 'the first ordinary container');
    assert.equal(app?.name, 'main');
    assert.equal(inCci.spec?.initContainers, undefined, 'not an init container: 1.19 has no sidecars');
    assert.equal(proxy?.image, PROXY_IMAGE);
    assert.ok(!('restartPolicy' in (proxy ?? {})), 'no field CCI’s 1.19 API lacks');
    assert.deepEqual(JSON.parse(JSON.stringify(proxy?.lifecycle)), {
      postStart: { exec: { command: PROXY_WAIT_COMMAND } },
    });
    assert.deepEqual(proxy?.args?.slice(0, 4), [
      'proxy',
      '--dns-address=127.0.0.1:53',
      '--cluster-domain=cluster.local',
      '--upstream-dns=192.0.2.53:53',
    ]);
    assert.deepEqual(proxy?.resources?.limits, { cpu: '250m', memory: '1Gi' });
    // The kubelet (the emulator's, as 1.19's) started the app only once the proxy's hook returned.
    const timeline = env().emulator.runtime.containerTimeline(inCci.metadata?.uid ?? '');
    const at = (container: string, event: string) =>
      timeline.findIndex((e) => e.container === container && e.event === event);
    assert.ok(at(PROXY_CONTAINER, 'started') >= 0 && at('main', 'started') >= 0, JSON.stringify(timeline));
    assert.ok(
      at(PROXY_CONTAINER, 'started') < at(PROXY_CONTAINER, 'postStartReturned') &&
        at(PROXY_CONTAINER, 'postStartReturned') < at('main', 'started'),
      `proxy started, its hook returned, then the app started: ${JSON.stringify(timeline)}`,
    );
    assert.equal(inCci.spec?.dnsPolicy, 'None');
    assert.deepEqual(inCci.spec?.dnsConfig?.nameservers, ['127.0.0.1']);
    assert.equal(inCci.spec?.dnsConfig?.searches?.[0], `${ns}.svc.cluster.local`);
    // Service links as a kubelet gives them, pointing at the proxy's alias; the pod's own win.
    const vars = Object.fromEntries((app?.env ?? []).map((e) => [e.name, e.value]));
    const alias = aliasOf(db.spec?.clusterIP ?? '');
    assert.equal(vars.DB_MAIN_SERVICE_HOST, alias);
    assert.equal(vars.DB_MAIN_SERVICE_PORT, 'mine');
    assert.equal(vars.DB_MAIN_SERVICE_PORT_SQL, '5432');
    assert.equal(vars.DB_MAIN_PORT_5432_TCP, `tcp://${alias}:5432`);
    assert.ok(vars.KUBERNETES_SERVICE_HOST?.startsWith('127.'), 'and the cluster’s kubernetes Service');
    assert.equal(inCci.spec?.enableServiceLinks, false, 'CCI’s own links would clash');
    assert.deepEqual(
      running.status?.containerStatuses?.map((s) => s.name),
      ['main'],
      'the cluster pod does not show the proxy',
    );
    assert.equal(running.status?.initContainerStatuses, undefined);

    const secret = await cciBackend(env()).readNamespacedSecret({
      name: PROXY_KUBECONFIG_SECRET,
      namespace: cciNamespaceOf(env()),
    });
    const kc = new KubeConfig();
    kc.loadFromString(Buffer.from(secret.data?.kubeconfig ?? '', 'base64').toString('utf8'));
    const apiserver = new URL(env().controlPlane.cluster.url);
    assert.equal(
      new URL(kc.getCurrentCluster()?.server ?? '').port,
      apiserver.port,
      'the apiserver’s own address',
    );
    const asProxy = kc.makeApiClient(CoreV1Api);
    await asProxy.listServiceForAllNamespaces({ limit: 1 });
    await kc.makeApiClient(DiscoveryV1Api).listEndpointSliceForAllNamespaces({ limit: 1 });
    await assert.rejects(
      asProxy.listSecretForAllNamespaces({ limit: 1 }),
      (e: { code?: number }) => e.code === 403,
    );
  });

  it('counts the proxy toward CCI’s pod size: a pod that fits only without it fails with the reason', async () => {
    const ns = await env().createNamespace('ic-size');
    const spec = virtualNodePodSpec(vk.nodeName);
    const [main] = spec.containers;
    if (main) main.resources = { limits: { cpu: '32', memory: '64Gi' } };
    await env().core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'big' }, spec } });
    const failed = await waitFor('the pod to fail', async () => {
      const pod: V1Pod = await env().core.readNamespacedPod({ name: 'big', namespace: ns });
      return pod.status?.phase === 'Failed' ? pod : undefined;
    });
    assert.match(failed.status?.message ?? '', /pod cpu 32\.25 is outside 0\.25-32 cores/);
  });

  it('fails a pod that takes the proxy’s names or shares its process namespace, and creates nothing in CCI', async () => {
    const ns = await env().createNamespace('ic-reserved');
    const withVolume = virtualNodePodSpec(vk.nodeName);
    withVolume.volumes = [{ name: PROXY_KUBECONFIG_SECRET, emptyDir: {} }];
    const withContainer = virtualNodePodSpec(vk.nodeName);
    withContainer.containers.push({ ...withContainer.containers[0], name: PROXY_CONTAINER, image: 'mine' });
    const shared = { ...virtualNodePodSpec(vk.nodeName), shareProcessNamespace: true };
    const cases: [string, V1Pod['spec'], RegExp][] = [
      ['steals-volume', withVolume, /volume name vkctl-proxy-kubeconfig is reserved/],
      ['steals-container', withContainer, /container name vkctl-proxy is reserved/],
      ['shares-processes', shared, /shareProcessNamespace would let the pod’s containers read/],
    ];
    for (const [name, spec] of cases)
      await env().core.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec } });
    for (const [name, , reason] of cases) {
      const failed = await waitFor(`${name} to fail`, async () => {
        const pod: V1Pod = await env().core.readNamespacedPod({ name, namespace: ns });
        return pod.status?.phase === 'Failed' ? pod : undefined;
      });
      assert.equal(failed.status?.reason, 'ProviderFailed', name);
      assert.match(failed.status?.message ?? '', reason, name);
      await assert.rejects(
        cciPod(ns, name),
        (e: { code?: number }) => e.code === 404,
        `${name}: nothing in CCI`,
      );
    }
  });

  it('CCE to CCI: the Service of a burst pod lists its CCI IP once the pod is Ready', async () => {
    const ns = await env().createNamespace('ic-svc');
    await env().core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
      },
    });
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'web-0', labels: { app: 'web' } }, spec: virtualNodePodSpec(vk.nodeName) },
    });
    const pod = await waitFor('the pod to be Ready', async () => {
      const p = await env().core.readNamespacedPod({ name: 'web-0', namespace: ns });
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    });
    const podIP = pod.status?.podIP ?? '';
    assert.match(podIP, /^192\.168\.0\.\d+$/, 'an IP of the cluster’s subnet, from CCI');
    const discovery = env().kc.makeApiClient(DiscoveryV1Api);
    const addresses = await waitFor('the endpoints controller to list it', async () => {
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace: ns,
        labelSelector: 'kubernetes.io/service-name=web',
      });
      const ready = slices.items.flatMap((s) =>
        s.endpoints.filter((e) => e.conditions?.ready).flatMap((e) => e.addresses),
      );
      return ready.length > 0 ? ready : undefined;
    });
    assert.deepEqual(addresses, [podIP]);
  });
});
