// The pure parts of interconnect: aliases, the sidecar's edits to a CCI pod, service links, what the
// cluster pod shows of a CCI pod with the proxy, when and how the proxy is told to stop, and the
// control socket that `vkctl proxy wait` and `vkctl proxy stop` talk to.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { aliasOf } from '../../src/provider/interconnect/aliases.js';
import { reservedNameViolations } from '../../src/provider/interconnect/reserved.js';
import {
  askProxy,
  serveControl,
  waitForProxy,
  type ProxyState,
} from '../../src/provider/interconnect/control-socket.js';
import {
  clusterPodStatus,
  proxyOutlivesApps,
  ProxyStopper,
} from '../../src/provider/interconnect/proxy-lifecycle.js';
import { serviceLinkEnv } from '../../src/provider/interconnect/service-links.js';
import {
  listeningPorts,
  PROXY_CONTAINER,
  PROXY_KUBECONFIG_SECRET,
  PROXY_STOP_COMMAND,
  PROXY_WAIT_COMMAND,
  withProxySidecar,
} from '../../src/provider/interconnect/sidecar.js';
import type {
  ContainerCommands,
  RemoteCommandOutcome,
  RemoteCommandRequest,
} from '../../src/provider/kubelet/remote-command.js';
import type { Logger } from '../../src/provider/logger.js';
import { ORIGIN_NAMESPACE } from '../../src/provider/translate.js';

describe('interconnect', () => {
  it('serves a cluster IP a.b.c.d on 127.b.c.d, keeping clear of 127.0.x.x', () => {
    assert.equal(aliasOf('10.247.3.10'), '127.247.3.10');
    assert.equal(aliasOf('10.0.0.1'), '127.255.0.1');
  });

  const pod = (): V1Pod => ({
    metadata: { name: 'shop.web', annotations: { [ORIGIN_NAMESPACE]: 'shop' } },
    spec: {
      dnsConfig: { searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }] },
      containers: [
        {
          name: 'web',
          ports: [{ containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/', port: 8081 } },
          livenessProbe: { tcpSocket: { port: 'http' } },
        },
      ],
    },
  });

  it('knows the ports a pod listens on: declared ports and numeric probe ports', () => {
    assert.deepEqual(listeningPorts(pod().spec ?? { containers: [] }), [8080, 8081]);
  });

  it('adds the proxy as the first ordinary container, held by a postStart wait, with no field 1.19 lacks', () => {
    const out = withProxySidecar(
      {
        ...pod(),
        spec: { ...pod().spec, containers: pod().spec?.containers ?? [], initContainers: [{ name: 'init' }] },
      },
      { image: 'img', clusterDomain: 'cluster.local' },
    );
    const [proxy, web] = out.spec?.containers ?? [];
    assert.equal(proxy?.name, PROXY_CONTAINER);
    assert.equal(web?.name, 'web', 'the app comes after it');
    assert.deepEqual(proxy?.lifecycle, { postStart: { exec: { command: PROXY_WAIT_COMMAND } } });
    assert.deepEqual(PROXY_WAIT_COMMAND.slice(0, 3), ['vkctl', 'proxy', 'wait']);
    assert.ok(!('restartPolicy' in (proxy ?? {})), 'no native sidecar: 1.19 would drop the field');
    assert.deepEqual(
      out.spec?.initContainers?.map((c) => c.name),
      ['init'],
      'the pod’s own init containers stay, without the proxy',
    );
    assert.ok(proxy?.args?.includes('--reserved-ports=8080,8081'));
    assert.ok(!proxy?.args?.some((a) => a.startsWith('--upstream-dns')), 'none when none is configured');
    assert.deepEqual(out.spec?.dnsConfig, {
      nameservers: ['127.0.0.1'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'],
      options: [{ name: 'ndots', value: '2' }],
    });
    const again = withProxySidecar(out, { image: 'img', clusterDomain: 'cluster.local' });
    assert.deepEqual(
      again.spec?.containers.map((c) => c.name),
      [PROXY_CONTAINER, 'web'],
      'added once, and its own ports are not reserved',
    );
    assert.ok(again.spec?.containers[0]?.args?.includes('--reserved-ports=8080,8081'));
  });

  it('words service links as a kubelet does, for ClusterIP Services only', () => {
    const env = serviceLinkEnv({
      metadata: { name: 'redis-master' },
      spec: { clusterIP: '10.96.0.11', ports: [{ name: 'redis', port: 6379 }] },
    });
    assert.deepEqual(Object.fromEntries(env.map((e) => [e.name, e.value])), {
      REDIS_MASTER_SERVICE_HOST: '127.96.0.11',
      REDIS_MASTER_SERVICE_PORT: '6379',
      REDIS_MASTER_SERVICE_PORT_REDIS: '6379',
      REDIS_MASTER_PORT: 'tcp://127.96.0.11:6379',
      REDIS_MASTER_PORT_6379_TCP: 'tcp://127.96.0.11:6379',
      REDIS_MASTER_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_MASTER_PORT_6379_TCP_PORT: '6379',
      REDIS_MASTER_PORT_6379_TCP_ADDR: '127.96.0.11',
    });
    assert.deepEqual(
      serviceLinkEnv({ metadata: { name: 'h' }, spec: { clusterIP: 'None', ports: [{ port: 1 }] } }),
      [],
    );
  });

  const running = (name: string): V1ContainerStatus => ({
    name,
    image: 'i',
    imageID: '',
    ready: true,
    restartCount: 0,
    state: { running: {} },
  });
  const exited = (name: string, exitCode: number): V1ContainerStatus => ({
    name,
    image: 'i',
    imageID: '',
    ready: false,
    restartCount: 0,
    state: { terminated: { exitCode } },
  });
  const cciPod = (restartPolicy: string, statuses: V1ContainerStatus[], phase = 'Running'): V1Pod => ({
    metadata: { name: 'jobs.run-1', uid: 'cci-uid-1' },
    spec: { restartPolicy, containers: [{ name: PROXY_CONTAINER }, { name: 'main' }] },
    status: { phase, containerStatuses: statuses },
  });

  it('shows the cluster pod its app containers only, and a phase that follows them', () => {
    const done = cciPod('Never', [running(PROXY_CONTAINER), exited('main', 0)]);
    assert.deepEqual(clusterPodStatus(done), {
      phase: 'Succeeded',
      containerStatuses: [exited('main', 0)],
      initContainerStatuses: undefined,
    });
    assert.equal(
      clusterPodStatus(cciPod('Never', [running(PROXY_CONTAINER), exited('main', 2)])).phase,
      'Failed',
    );
    // The proxy ended badly (killed, crashed): the app's outcome still decides.
    const crashed = cciPod('Never', [exited(PROXY_CONTAINER, 137), exited('main', 0)], 'Failed');
    assert.equal(clusterPodStatus(crashed).phase, 'Succeeded');
    // OnFailure: exit 0 is for good, a failure restarts; Always: nothing is for good.
    assert.equal(
      clusterPodStatus(cciPod('OnFailure', [running(PROXY_CONTAINER), exited('main', 0)])).phase,
      'Succeeded',
    );
    assert.equal(
      clusterPodStatus(cciPod('OnFailure', [running(PROXY_CONTAINER), exited('main', 1)])).phase,
      'Running',
    );
    assert.equal(
      clusterPodStatus(cciPod('Always', [running(PROXY_CONTAINER), exited('main', 0)])).phase,
      'Running',
    );
    // Without the proxy, CCI's phase is the pod's.
    const plain: V1Pod = {
      spec: { restartPolicy: 'Never', containers: [{ name: 'main' }] },
      status: { phase: 'Running', containerStatuses: [exited('main', 0)] },
    };
    assert.equal(clusterPodStatus(plain).phase, 'Running');
  });

  it('knows when the proxy outlives its app containers', () => {
    assert.equal(proxyOutlivesApps(cciPod('Never', [running(PROXY_CONTAINER), exited('main', 1)])), true);
    assert.equal(proxyOutlivesApps(cciPod('OnFailure', [running(PROXY_CONTAINER), exited('main', 0)])), true);
    assert.equal(proxyOutlivesApps(cciPod('Never', [running(PROXY_CONTAINER), running('main')])), false);
    assert.equal(
      proxyOutlivesApps(cciPod('OnFailure', [running(PROXY_CONTAINER), exited('main', 1)])),
      false,
    );
    assert.equal(proxyOutlivesApps(cciPod('Always', [running(PROXY_CONTAINER), exited('main', 0)])), false);
    assert.equal(proxyOutlivesApps(cciPod('Never', [exited(PROXY_CONTAINER, 0), exited('main', 0)])), false);
  });

  it('execs `vkctl proxy stop` in the proxy once per CCI pod, and throws (to be retried) when that fails', async () => {
    const requests: RemoteCommandRequest[] = [];
    const outcomes: RemoteCommandOutcome[] = [{ failure: 'CCI 500' }, { exitCode: 1 }, { exitCode: 0 }];
    const commands: ContainerCommands = {
      run: (request, io) => {
        requests.push(request);
        io.stderr?.write('no proxy answered');
        return Promise.resolve(outcomes.shift() ?? { exitCode: 0 });
      },
    };
    const quiet: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const stopper = new ProxyStopper(commands, quiet);
    const done = cciPod('Never', [running(PROXY_CONTAINER), exited('main', 0)]);
    await stopper.stopWhenDone('jobs', 'run-1', cciPod('Never', [running(PROXY_CONTAINER), running('main')]));
    assert.equal(requests.length, 0, 'not while the app runs');
    await assert.rejects(
      stopper.stopWhenDone('jobs', 'run-1', done),
      /could not stop the proxy of jobs\/run-1.*CCI 500/,
    );
    await assert.rejects(stopper.stopWhenDone('jobs', 'run-1', done), /exit code 1: no proxy answered/);
    await stopper.stopWhenDone('jobs', 'run-1', done);
    await stopper.stopWhenDone('jobs', 'run-1', done);
    assert.equal(requests.length, 3, 'tried until it worked, then not again');
    assert.deepEqual(requests[2], {
      kind: 'exec',
      namespace: 'jobs',
      pod: 'run-1',
      container: PROXY_CONTAINER,
      command: PROXY_STOP_COMMAND,
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    // A new CCI pod of the same name (a restarted Job pod) gets its own stop.
    await stopper.stopWhenDone('jobs', 'run-1', { ...done, metadata: { uid: 'cci-uid-2' } });
    assert.equal(requests.length, 4);
  });

  it('gives up on a proxy that will not stop after 5 tries, with one warning, keeping only 4 KiB of its output', async () => {
    let tries = 0;
    let longest = 0;
    const commands: ContainerCommands = {
      run: (_request, io) => {
        tries += 1;
        io.stderr?.write('x'.repeat(100_000));
        io.stderr?.write('the end');
        return Promise.resolve({ exitCode: 127 });
      },
    };
    const warnings: string[] = [];
    const log: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message) => warnings.push(message),
      error: () => undefined,
    };
    const stopper = new ProxyStopper(commands, log);
    const done = cciPod('Never', [running(PROXY_CONTAINER), exited('main', 0)]);
    for (let i = 1; i < 5; i++) {
      await assert.rejects(stopper.stopWhenDone('jobs', 'stuck', done), (e: Error) => {
        longest = Math.max(longest, e.message.length);
        return /exit code 127: x+the end$/.test(e.message);
      });
    }
    await stopper.stopWhenDone('jobs', 'stuck', done);
    await stopper.stopWhenDone('jobs', 'stuck', done);
    assert.equal(tries, 5, 'no sixth try');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /gave up after 5 tries/);
    assert.ok(longest < 4096 + 200, `the reason is bounded (${longest} characters)`);
  });

  it('answers `vkctl proxy wait` and `stop` on a control socket only the proxy’s container can reach', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vkctl-control-')), 'proxy.sock');
    assert.equal(await askProxy(file, 'status'), undefined, 'no proxy yet');
    assert.deepEqual(await waitForProxy(file, 300, 50), { kind: 'absent' });
    let state: ProxyState = 'starting';
    let stops = 0;
    const server = await serveControl(file, { state: () => state, stop: () => (stops += 1) });
    try {
      assert.deepEqual(
        await waitForProxy(file, 300, 50),
        { kind: 'dnsOnly' },
        'DNS served, Services not listed',
      );
      setTimeout(() => (state = 'ready'), 100);
      assert.deepEqual(await waitForProxy(file, 5000, 20), { kind: 'ready' });
      assert.equal(await askProxy(file, 'stop'), 'stopping');
      assert.equal(stops, 1);
    } finally {
      await server.close();
    }
    // A socket left behind by a proxy that was killed does not keep the next one from starting.
    const again = await serveControl(file, { state: () => 'ready', stop: () => undefined });
    await again.close();
  });

  it('the control socket takes one short command per connection, then hangs up', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vkctl-control-')), 'proxy.sock');
    let stops = 0;
    const server = await serveControl(file, { state: () => 'ready', stop: () => (stops += 1) });
    try {
      const send = (text: string) =>
        new Promise<string>((resolve) => {
          let answer = '';
          const socket = net.connect(file, () => socket.write(text));
          socket.setEncoding('utf8');
          socket.on('data', (d: string) => (answer += d));
          socket.on('close', () => resolve(answer));
          socket.on('error', () => resolve(answer));
        });
      assert.equal(await send('x'.repeat(10_000)), 'command too long\n', 'no line without end');
      assert.equal(await send('stop\nstop\nstop\n'), 'stopping\n');
      assert.equal(stops, 1, 'one command per connection');
      assert.equal(statSync(file).mode & 0o777, 0o600, 'only the proxy’s user may connect');
    } finally {
      await server.close();
    }
  });

  it('refuses a user pod that takes the proxy’s names, or shares its process namespace with it', () => {
    const app = { name: 'app', image: 'x' };
    const rules = (spec: Parameters<typeof reservedNameViolations>[0], interconnect = true) =>
      reservedNameViolations(spec, interconnect).map((v) => v.rule);
    assert.deepEqual(rules({ containers: [app] }), []);
    assert.deepEqual(rules({ containers: [app, { name: PROXY_CONTAINER, image: 'mine' }] }), [
      'reserved-name',
    ]);
    assert.deepEqual(rules({ containers: [app], initContainers: [{ name: PROXY_CONTAINER, image: 'x' }] }), [
      'reserved-name',
    ]);
    assert.deepEqual(
      rules({ containers: [app], volumes: [{ name: PROXY_KUBECONFIG_SECRET, emptyDir: {} }] }),
      ['reserved-name'],
    );
    assert.deepEqual(rules({ containers: [app], shareProcessNamespace: true }), [
      'interconnect-shared-process-namespace',
    ]);
    assert.deepEqual(
      rules({ containers: [app], shareProcessNamespace: true }, false),
      [],
      'no proxy, no harm',
    );
  });
});
