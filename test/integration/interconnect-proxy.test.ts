// The proxy as CCI runs it, end to end: a Job's pod on the virtual node completes although the
// proxy is an ordinary container of its CCI pod (the runtime stops it once the app is done, over
// CCI's exec), and the proxy container exactly as stored in CCI (its args, the kubeconfig Secret it
// mounts, its postStart hook, the stop command) runs the real `vkctl proxy` through to a ClusterIP
// Service of the test cluster: DNS gives the Service's alias, bytes reach its endpoint.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as dns } from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiscoveryV1Api, type V1Container } from '@kubernetes/client-node';
import { aliasOf } from '../../src/provider/interconnect/aliases.js';
import {
  PROXY_CONTAINER,
  PROXY_KUBECONFIG_SECRET,
  PROXY_STOP_COMMAND,
} from '../../src/provider/interconnect/sidecar.js';
import { useTestEnvironment } from '../env/environment.js';
import { machineAddress } from '../env/fake-kubelet.js';
import { useInterconnectProvider } from '../env/interconnect.js';
import { freePort } from '../env/processes.js';
import { echoServer, exchange } from '../env/tcp-echo.js';
import { cciBackend, cciNamespaceOf, virtualNodePodSpec } from '../env/provider.js';
import { runVkctl } from '../env/run-cli.js';
import { waitFor } from '../env/wait.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.js');

/** A command of the proxy container (`vkctl …`), run here as the packaged CLI. */
function inProxyContainer(command: string[], containerEnv: Record<string, string>) {
  assert.equal(command[0], 'vkctl', 'the add-on’s image has vkctl on its PATH');
  return runVkctl(command.slice(1), { env: containerEnv });
}

describe('the interconnect proxy in a CCI pod', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const vk = useInterconnectProvider(env, 'vk-icp');
  const cciPod = vk.cciPod;

  it('lets a Job’s pod complete: the runtime stops the proxy once the app is done', async () => {
    const ns = await env().createNamespace('ic-job');
    await env().batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'once' },
        spec: {
          backoffLimit: 0,
          template: { spec: virtualNodePodSpec(vk.nodeName, { command: ['sh', '-c', 'echo done'] }) },
        },
      },
    });
    const pod = await waitFor('the Job’s pod to succeed', async () => {
      const pods = await env().core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=once' });
      const [first] = pods.items;
      return first?.status?.phase === 'Succeeded' ? first : undefined;
    });
    assert.equal(pod.spec?.restartPolicy, 'Never');
    assert.deepEqual(
      pod.status?.containerStatuses?.map((s) => [s.name, s.state?.terminated?.exitCode]),
      [['main', 0]],
    );
    await waitFor('the Job to complete', async () => {
      const job = await env().batch.readNamespacedJob({ name: 'once', namespace: ns });
      return job.status?.succeeded === 1;
    });
    // In CCI the proxy was told to stop and exited 0: CCI's pod has ended too.
    const inCci = await waitFor('CCI’s pod to end', async () => {
      const p = await cciPod(ns, pod.metadata?.name ?? '');
      return p.status?.phase === 'Succeeded' ? p : undefined;
    });
    const proxy = inCci.status?.containerStatuses?.find((s) => s.name === PROXY_CONTAINER);
    assert.equal(proxy?.state?.terminated?.exitCode, 0, JSON.stringify(proxy?.state));
    assert.ok(
      vk.logs.some((l) => l.includes('stopped the proxy') && l.includes(`${ns}/${pod.metadata?.name}`)),
    );
  });

  it('runs the real `vkctl proxy` with the args stored in CCI, through to a ClusterIP Service', async () => {
    const ns = await env().createNamespace('ic-real');
    const echo = await echoServer('echo');
    let proxyProcess: ChildProcess | undefined;
    // The container's filesystem, here: each volume it mounts is a directory with the Secret's
    // files, and $TMPDIR (where its control socket goes) is its own.
    const root = mkdtempSync(path.join(os.tmpdir(), 'vkctl-proxy-container-'));
    try {
      const service = await env().core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'echo' }, spec: { ports: [{ name: 'tcp', port: 7000 }] } },
      });
      await env()
        .kc.makeApiClient(DiscoveryV1Api)
        .createNamespacedEndpointSlice({
          namespace: ns,
          body: {
            metadata: { name: 'echo-1', labels: { 'kubernetes.io/service-name': 'echo' } },
            addressType: 'IPv4',
            endpoints: [{ addresses: [machineAddress()], conditions: { ready: true } }],
            ports: [{ name: 'tcp', port: echo.port, protocol: 'TCP' }],
          },
        });
      await env().core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'client' }, spec: virtualNodePodSpec(vk.nodeName) },
      });
      const inCci = await waitFor('the CCI pod to run', async () => {
        const p = await cciPod(ns, 'client');
        return p.status?.phase === 'Running' ? p : undefined;
      });
      const proxy = inCci.spec?.containers.find((c) => c.name === PROXY_CONTAINER) as V1Container;
      const secret = await cciBackend(env()).readNamespacedSecret({
        name: PROXY_KUBECONFIG_SECRET,
        namespace: cciNamespaceOf(env()),
      });
      const mounts = (proxy.volumeMounts ?? []).map((mount) => {
        const dir = mkdtempSync(path.join(root, 'volume-'));
        for (const [key, value] of Object.entries(secret.data ?? {}))
          writeFileSync(path.join(dir, key), Buffer.from(value, 'base64'));
        return { from: `${mount.mountPath}/`, to: `${dir}/` };
      });
      const containerEnv = { TMPDIR: root };
      // The args as stored, with the mounts' paths mapped. Its network is this machine's, shared
      // with everything else here: DNS on a free port, not 53, and a free status port.
      const dnsPort = await freePort();
      const args = [
        ...(proxy.args ?? []).map((arg) =>
          arg.startsWith('--dns-address=')
            ? `--dns-address=127.0.0.1:${dnsPort}`
            : mounts.reduce((text, m) => text.replace(`=${m.from}`, `=${m.to}`), arg),
        ),
        `--status-port=${await freePort()}`,
      ];
      assert.ok(args.includes(`--kubeconfig=${mounts[0]?.to}kubeconfig`), args.join(' '));
      let logs = '';
      proxyProcess = spawn(process.execPath, [cli, ...args], {
        env: { ...process.env, ...containerEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proxyProcess.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
      const exited = new Promise<number | null>((resolve) => proxyProcess?.once('exit', resolve));

      // Its postStart hook, as stored: returns once the proxy serves DNS and knows the Services.
      const hook = await inProxyContainer(proxy.lifecycle?.postStart?.exec?.command ?? [], containerEnv);
      assert.equal(hook.code, 0, `${hook.stderr}\n${logs}`);
      assert.match(hook.stdout, /proxy ready/);

      const resolver = new dns.Resolver();
      resolver.setServers([`127.0.0.1:${dnsPort}`]);
      const alias = aliasOf(service.spec?.clusterIP ?? '');
      assert.deepEqual(await resolver.resolve4(`echo.${ns}.svc.cluster.local`), [alias]);
      const reply = await waitFor('bytes through the proxy', async () => {
        const answer = await exchange(alias, 7000, 'hello');
        return answer.startsWith('echo:') ? answer : undefined;
      });
      assert.equal(reply, 'echo:hello');

      // What the runtime execs once the app is done: the proxy exits 0.
      assert.deepEqual(PROXY_STOP_COMMAND, ['vkctl', 'proxy', 'stop']);
      const stop = await inProxyContainer(PROXY_STOP_COMMAND, containerEnv);
      assert.equal(stop.code, 0, stop.stderr);
      assert.equal(await exited, 0, logs);
      assert.match(logs, /"msg":"asked to stop"/);
    } finally {
      proxyProcess?.kill('SIGTERM');
      echo.close();
      rmSync(root, { recursive: true, force: true }); // it holds the proxy's token
    }
  });
});
