// The virtual node as kubectl shows it, compared with what a kubelet's node shows: port-forward
// refused with a reason kubectl prints, `logs --previous` refused in the kubelet's words, condition
// times across heartbeats, ephemeral storage, the pods' hostIP, CCI's events in the cluster's names,
// optional references not reported missing, /runningpods/ through the apiserver's node proxy, the
// listeners bound to --bind-address, and a runtime whose every log line is JSON.
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoreV1Event, CoreV1EventList, V1Node, V1Pod, V1PodList } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';
import type { CciBackend } from '../../src/provider/cci-backend.js';
import { CciPodCache } from '../../src/provider/cci-pod-cache.js';
import { EventMirror } from '../../src/provider/event-mirror.js';
import { useTestEnvironment, vkctlEnvironment } from '../env/environment.js';
import { machineAddress } from '../env/fake-kubelet.js';
import { kubectl as runKubectl, runCommand } from '../env/kubectl.js';
import { freePort, ManagedProcess, removeOnExit } from '../env/processes.js';
import {
  collectingLogger,
  testProviderConfig,
  useTestProvider,
  virtualNodePodSpec,
} from '../env/provider.js';
import { runVkctl } from '../env/run-cli.js';
import { waitFor } from '../env/wait.js';

/** Whether something accepts TCP connections at host:port. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

describe('the virtual node, as kubectl shows it', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const webhookCa = createCertificateAuthority('node-parity-webhook-ca');
  const webhookCert = issueCertificate(webhookCa, { commonName: 'webhook', usage: 'server' });
  // The node's address is this machine's (the apiserver's node proxy refuses loopback), and every
  // listener (kubelet API, health, webhook) binds it alone: --bind-address.
  const { nodeName, provider, logs } = useTestProvider(env, 'vk-parity', () => ({
    kubeletPort: 0,
    address: machineAddress(),
    bindAddress: machineAddress(),
    kubelet: { clientCa: env().controlPlane.ca.certPem },
    webhook: { cert: webhookCert.certPem, key: webhookCert.keyPem, port: 0 },
  }));
  const kubectl = (args: string[]) => runKubectl(env().controlPlane.cluster.adminKubeconfigPath, args);
  const json = async <T>(args: string[]): Promise<T> => {
    const result = await kubectl([...args, '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as T;
  };
  let ns = '';

  before(async function () {
    this.timeout(90_000);
    ns = await env().createNamespace('parity');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'web' }, spec: virtualNodePodSpec(nodeName) },
    });
    await waitFor(
      'the pod to run in CCI',
      async () =>
        (await env().core.readNamespacedPod({ name: 'web', namespace: ns })).status?.phase === 'Running',
      { timeoutMs: 60_000 },
    );
  });

  it('kubectl port-forward prints why CCI pods cannot be forwarded to', async () => {
    // `timeout`: were it ever accepted, kubectl would forward until stopped.
    const forward = await runCommand('timeout', [
      '60',
      'kubectl',
      '--kubeconfig',
      env().controlPlane.cluster.adminKubeconfigPath,
      'port-forward',
      '-n',
      ns,
      'pod/web',
      ':8080',
    ]);
    assert.equal(forward.code, 1, forward.stderr);
    assert.match(
      forward.stderr,
      /^error: error upgrading connection: port-forward is not supported for pods on CCI \(CCI’s API serves no pods\/portforward\)/m,
    );
  });

  it('kubectl logs --previous of a container that never restarted fails as on a kubelet', async () => {
    const previous = await kubectl(['logs', '--previous', '-n', ns, 'web']);
    assert.equal(previous.code, 1);
    assert.equal(previous.stdout, '');
    assert.equal(
      previous.stderr.trim(),
      'Error from server (BadRequest): previous terminated container "main" in pod "web" not found',
    );
  });

  it('moves only lastHeartbeatTime across heartbeats, and offers ephemeral storage', async () => {
    const before = await json<V1Node>(['get', 'node', nodeName]);
    const renewals = provider().node?.renewals ?? 0;
    // Times have a resolution of a second; heartbeats come every 500 ms here.
    await sleep(2500);
    const after = await json<V1Node>(['get', 'node', nodeName]);
    assert.ok((provider().node?.renewals ?? 0) >= renewals + 2, 'two heartbeats or more in between');
    const conditions = before.status?.conditions ?? [];
    assert.deepEqual(
      conditions.map((c) => c.type),
      ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'],
    );
    for (const condition of conditions) {
      const later = after.status?.conditions?.find((c) => c.type === condition.type);
      assert.equal(later?.status, condition.status);
      assert.equal(
        later?.lastTransitionTime,
        condition.lastTransitionTime,
        `${condition.type} did not transition`,
      );
      assert.notEqual(
        later?.lastHeartbeatTime,
        condition.lastHeartbeatTime,
        `${condition.type} had a heartbeat`,
      );
    }
    // 20 GiB per pod (CCI's documented disk of a pod) for the 2000 pods the test config allows.
    assert.equal(after.status?.capacity?.['ephemeral-storage'], '40000Gi');
    assert.equal(after.status?.allocatable?.['ephemeral-storage'], '40000Gi');
  });

  it('gives a CCI pod the node’s address as hostIP, not its own IP', async () => {
    const node = await json<V1Node>(['get', 'node', nodeName]);
    const internalIp = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    assert.equal(internalIp, machineAddress());
    const pod = await json<V1Pod>(['get', 'pod', '-n', ns, 'web']);
    assert.equal(pod.status?.hostIP, internalIp);
    assert.deepEqual(pod.status?.hostIPs, [{ ip: internalIp }]);
    assert.ok(pod.status?.podIP && pod.status.podIP !== internalIp, `pod IP ${pod.status?.podIP}`);
  });

  it('names the cluster’s pod and its ConfigMaps in CCI’s events, and reports only mandatory references missing', async () => {
    const spec = virtualNodePodSpec(nodeName);
    const [main] = spec.containers;
    if (main) main.envFrom = [{ configMapRef: { name: 'maybe', optional: true } }];
    await env().core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'relaxed' }, spec } });
    const waiting = virtualNodePodSpec(nodeName);
    waiting.volumes = [
      { name: 'settings', configMap: { name: 'settings' } },
      { name: 'extra', secret: { secretName: 'extra', optional: true } },
    ];
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'waiting' }, spec: waiting },
    });
    const mountFailure = await waitFor('the FailedMount event of the waiting pod', async () => {
      const events = await json<CoreV1EventList>([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        'involvedObject.name=waiting,reason=FailedMount',
      ]);
      return events.items[0];
    });
    assert.match(mountFailure.message ?? '', /configmap "settings" not found/);
    assert.equal(mountFailure.involvedObject.name, 'waiting');
    await waitFor(
      'the pod with only optional references missing to run',
      async () =>
        (await env().core.readNamespacedPod({ name: 'relaxed', namespace: ns })).status?.phase === 'Running',
    );
    const waits = logs.filter((line) => line.includes('pod waits in CCI for what it references'));
    assert.equal(waits.length, 1, waits.join('\n'));
    assert.ok(waits[0]?.includes(`"pod":"${ns}/waiting","missing":["configmap/settings"]`), waits[0]);

    const events = await json<CoreV1EventList>(['get', 'events', '-n', ns]);
    // CCI's own (the scheduler's names the virtual node).
    const scheduled = events.items.find(
      (e: CoreV1Event) =>
        e.reason === 'Scheduled' && e.involvedObject.name === 'web' && e.source?.component === 'cci',
    );
    assert.equal(scheduled?.message, `Successfully assigned ${ns}/web to CCI`);
    const uid = (await json<V1Pod>(['get', 'pod', '-n', ns, 'web'])).metadata?.uid;
    assert.equal(scheduled?.involvedObject.uid, uid);
    const copyName = new RegExp(`cce-burst-|${ns}\\.`);
    const mentionsCopy = events.items.filter((e) => copyName.test(e.message ?? ''));
    assert.deepEqual(
      mentionsCopy.map((e) => e.message),
      [],
      'no event speaks of CCI’s namespace or copies',
    );
  });

  it('serves /runningpods/ through the apiserver’s node proxy to a user allowed nodes/proxy', async () => {
    const role = `${nodeName}-proxy`;
    await env().rbac.createClusterRole({
      body: {
        metadata: { name: role },
        rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }],
      },
    });
    await env().rbac.createClusterRoleBinding({
      body: {
        metadata: { name: role },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'node-proxy-reader' }],
      },
    });
    try {
      const rawPath = `/api/v1/nodes/${nodeName}/proxy/runningpods/`;
      const read = await waitFor('RBAC to allow the reader', async () => {
        const r = await kubectl(['--as', 'node-proxy-reader', 'get', '--raw', rawPath]);
        if (r.code !== 0) throw new Error(r.stderr);
        return r;
      });
      const list = JSON.parse(read.stdout) as V1PodList;
      assert.equal(list.kind, 'PodList');
      assert.equal(list.apiVersion, 'v1');
      const web = list.items.find((p) => p.metadata?.namespace === ns && p.metadata.name === 'web');
      assert.deepEqual(web?.spec?.containers, [{ name: 'main', image: 'busybox:1.36' }]);
      assert.ok(web?.metadata?.uid);
      assert.ok(
        !list.items.some((p) => p.metadata?.name === 'waiting'),
        'a pod with no running container is not running',
      );
      const stranger = await kubectl(['--as', 'someone-else', 'get', '--raw', rawPath]);
      assert.equal(stranger.code, 1);
      assert.match(stranger.stderr, /Forbidden.*nodes\/proxy|nodes.*proxy.*forbidden/i);
    } finally {
      await env().rbac.deleteClusterRoleBinding({ name: role });
      await env().rbac.deleteClusterRole({ name: role });
    }
  });

  it('binds the kubelet API, health and webhook listeners to --bind-address only', async () => {
    const running = provider();
    const ports = [running.kubeletPort ?? 0, running.healthPort, running.webhookPort ?? 0];
    for (const port of ports) {
      assert.ok(port > 0);
      assert.equal(await accepts(machineAddress(), port), true, `port ${port} on ${machineAddress()}`);
      assert.equal(await accepts('127.0.0.1', port), false, `port ${port} on 127.0.0.1`);
    }
    // The apiserver reaches the kubelet API there: kubectl logs works through it.
    const log = await kubectl(['logs', '-n', ns, 'web']);
    assert.equal(log.code, 0, log.stderr);
  });
});

describe('CCI watches opened again and again', function () {
  this.timeout(30_000);
  const env = useTestEnvironment();

  it('give each watch its own signal, done with when the watch ends: no signal gathers fetch’s abort listeners', async () => {
    // fetch leaves an 'abort' listener on its signal until the request is garbage-collected: one
    // signal handed to every watch gathers one per watch, and Node warns past 10
    // (MaxListenersExceededWarning). Each watch here is a real fetch that ends at once, as a CCI
    // watch that times out does.
    const server = http.createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
    const signals: AbortSignal[] = [];
    /** Watches opened while the same follower's previous watch's signal was not yet aborted. */
    const unreleased: string[] = [];
    const previous = new Map<string, AbortSignal>();
    async function* emptyWatch(kind: string, signal: AbortSignal): AsyncGenerator<never> {
      if (previous.get(kind)?.aborted === false) unreleased.push(`${kind} #${signals.length}`);
      previous.set(kind, signal);
      signals.push(signal);
      const response = await fetch(url, { signal });
      // Read to its end, yielding no event.
      for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) void chunk;
      yield* [];
    }
    const cci = {
      listEvents: () => Promise.resolve({ items: [], metadata: { resourceVersion: '1' } }),
      watchEvents: (_ns: string, _rv: string, signal: AbortSignal) => emptyWatch('events', signal),
      listPods: () => Promise.resolve({ items: [], metadata: { resourceVersion: '1' } }),
      watchPods: (_ns: string, _rv: string, signal: AbortSignal) => emptyWatch('pods', signal),
    } as unknown as CciBackend;
    const log = collectingLogger([]);
    const mirror = new EventMirror(env().kc, cci, {
      cciNamespace: 'ns',
      nodeName: 'n',
      log,
      originOf: () => undefined,
    });
    const pods = new CciPodCache(cci, 'ns', log, () => undefined);
    try {
      mirror.start();
      await pods.start();
      await waitFor('30 watches opened', () => Promise.resolve(signals.length >= 30), { timeoutMs: 20_000 });
    } finally {
      mirror.stop();
      pods.stop();
      server.close();
    }
    assert.equal(new Set(signals).size, signals.length, 'no signal is handed to two watches');
    assert.deepEqual(
      unreleased,
      [],
      'a watch’s signal is aborted (its listeners go with it) before the next',
    );
    assert.ok(
      signals.every((signal) => signal.aborted),
      'stop() aborts the open watches',
    );
  });
});

describe('vkctl provider run as a process', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-parity-'));
  removeOnExit(dir);
  const nodeName = `vk-json-${Date.now().toString(36)}`;
  let runtime: ManagedProcess | undefined;
  let healthPort = 0;

  before(async function () {
    this.timeout(90_000);
    writeFileSync(path.join(dir, 'config.yaml'), stringify(testProviderConfig(env(), nodeName)));
    // Stands in for any warning Node may raise in the runtime (MaxListenersExceededWarning was one).
    writeFileSync(
      path.join(dir, 'warn-on-signal.mjs'),
      "process.on('SIGUSR2', () => process.emitWarning('a warning raised in the runtime', 'TestWarning'));\n",
    );
    healthPort = await freePort();
    runtime = ManagedProcess.spawn(
      'vkctl provider run',
      process.execPath,
      [
        '--import',
        path.join(dir, 'warn-on-signal.mjs'),
        bin,
        'provider',
        'run',
        '--config',
        path.join(dir, 'config.yaml'),
        '--health-port',
        String(healthPort),
        '--webhook-cert-dir',
        path.join(dir, 'no-webhook'),
        '--bind-address',
        '127.0.0.1',
        '--log-level',
        'debug',
      ],
      path.join(dir, 'provider.log'),
      vkctlEnvironment(env()),
    );
    await runtime.waitUntil(
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
      60_000,
      'ready',
    );
  });

  after(async () => {
    await runtime?.stop();
    await env()
      .core.deleteNode({ name: nodeName })
      .catch(() => undefined);
  });

  it('writes every log line as JSON, process warnings included, and listens on --bind-address only', async () => {
    const ns = await env().createNamespace('json');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'app' }, spec: virtualNodePodSpec(nodeName) },
    });
    await waitFor(
      'the pod to run',
      async () =>
        (await env().core.readNamespacedPod({ name: 'app', namespace: ns })).status?.phase === 'Running',
      { timeoutMs: 60_000 },
    );
    runtime?.child.kill('SIGUSR2');
    const logFile = path.join(dir, 'provider.log');
    const lines = await waitFor('the warning in the log', () => {
      const all = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
      return Promise.resolve(all.some((l) => l.includes('a warning raised in the runtime')) && all);
    });
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    assert.deepEqual(notJson, []);
    const warning = lines
      .map((line) => JSON.parse(line) as { level: number; msg: string; warning?: string })
      .find((entry) => entry.msg === 'a warning raised in the runtime');
    assert.equal(warning?.level, 40);
    assert.equal(warning?.warning, 'TestWarning');
    assert.ok(lines.some((l) => l.includes('created CCI pod')));
    assert.equal(await accepts(machineAddress(), healthPort), false);
  });

  it('refuses a --bind-address that is no IP address with a one-line usage error', async () => {
    const bad = await runVkctl(
      ['provider', 'run', '--config', path.join(dir, 'config.yaml'), '--bind-address', 'localhost:1'],
      {
        env: vkctlEnvironment(env()),
      },
    );
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /--bind-address must be an IP address .*not "localhost:1"/);
  });
});
