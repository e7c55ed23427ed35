// The emulated CCI: CCI's own rules in front of a real Kubernetes API, a runtime that runs accepted
// pods with IPs from the namespace's subnet, logs, and the fault knobs later issues rely on.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { cciAs, useTestEnvironment } from '../env/environment.js';
import { defaultScenario, type Scenario } from '../env/emulator/state.js';
import { sdkRequest, type RawResponse } from '../env/sdk-request.js';
import { waitFor } from '../env/wait.js';

describe('Huawei Cloud emulator: CCI', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();
  // Each test is its own account (CCI allows 5 namespaces per region per account).
  let tenant: Scenario;
  beforeEach(() => {
    tenant = defaultScenario(env().emulator.state);
  });
  const cci = (method: string, path: string, body?: unknown, query?: Record<string, string>) =>
    cciAs(env(), tenant, method, path, body, query);
  const message = (res: RawResponse) => res.json<{ message: string }>().message;

  /** The Network as CCI-DOCS 创建Network.md describes it, without what CCI computes. */
  const network = () => ({
    apiVersion: 'networking.cci.io/v1beta1',
    kind: 'Network',
    metadata: {
      name: 'default-network',
      annotations: {
        'network.alpha.kubernetes.io/default-security-group': tenant.securityGroupId,
        'network.alpha.kubernetes.io/project-id': tenant.projectId,
        'network.alpha.kubernetes.io/domain-id': tenant.domainId,
      },
    },
    spec: {
      attachedVPC: tenant.vpcId,
      networkID: tenant.subnetId,
      networkType: 'underlay_neutron',
    } as Record<string, string>,
  });

  const pod = (name: string, cpu: string, memory: string, command?: string[]): V1Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      restartPolicy: command ? 'Never' : 'Always',
      containers: [
        {
          name: 'main',
          image: 'busybox:1.36',
          command,
          resources: { limits: { cpu, memory }, requests: { cpu, memory } },
        },
      ],
    },
  });

  /** A CCI namespace with an Active network, as the runtime will prepare one. */
  async function readyNamespace(): Promise<string> {
    const ns = `cce-burst-${randomBytes(4).toString('hex')}`;
    const created = await cci('POST', '/api/v1/namespaces', {
      metadata: { name: ns, annotations: { 'namespace.kubernetes.io/flavor': 'general-computing' } },
    });
    assert.equal(created.status, 201, created.text);
    const net = await cci('POST', `/apis/networking.cci.io/v1beta1/namespaces/${ns}/networks`, network());
    assert.equal(net.status, 201, net.text);
    await waitFor('the network to become Active', async () => {
      const res = await cci(
        'GET',
        `/apis/networking.cci.io/v1beta1/namespaces/${ns}/networks/default-network`,
      );
      return res.json<{ status?: { state?: string } }>().status?.state === 'Active';
    });
    return ns;
  }

  it('refuses a Network whose subnet overlaps 10.247.0.0/16 or is no one’s', async () => {
    const ns = `cce-burst-${randomBytes(4).toString('hex')}`;
    await cci('POST', '/api/v1/namespaces', {
      metadata: { name: ns, annotations: { 'namespace.kubernetes.io/flavor': 'general-computing' } },
    });
    const subnet = env().emulator.state.subnets.get(tenant.subnetId)?.subnet;
    if (!subnet) throw new Error('the tenant has no subnet');
    subnet.cidr = '10.247.5.0/24';
    const res = await cci('POST', `/apis/networking.cci.io/v1beta1/namespaces/${ns}/networks`, network());
    assert.equal(res.status, 400);
    assert.equal(res.json<{ errorCode: string }>().errorCode, 'CCI.01.400101');
    assert.match(res.text, /overlaps 10\.247\.0\.0\/16/);
    const unknown = network();
    unknown.spec.networkID = 'no-such-subnet';
    const res2 = await cci('POST', `/apis/networking.cci.io/v1beta1/namespaces/${ns}/networks`, unknown);
    assert.equal(res2.status, 400);
    assert.match(res2.text, /subnet no-such-subnet not found/);
  });

  it('refuses pods until the namespace has an Active network', async () => {
    const ns = `cce-burst-${randomBytes(4).toString('hex')}`;
    await cci('POST', '/api/v1/namespaces', {
      metadata: { name: ns, annotations: { 'namespace.kubernetes.io/flavor': 'general-computing' } },
    });
    const res = await cci('POST', `/api/v1/namespaces/${ns}/pods`, pod('early', '1', '2Gi'));
    assert.equal(res.status, 409);
    assert.match(message(res), /no Active network/);
  });

  it('refuses a pod that breaks CCI rules, saying which rule', async () => {
    const ns = await readyNamespace();
    const cases: [V1Pod, RegExp][] = [
      [pod('odd-cpu', '300m', '2Gi'), /multiple of 0\.25 core/],
      [pod('half-gib', '500m', '1536Mi'), /not a whole number of GiB/],
      [pod('ratio', '1', '16Gi'), /between 1:2 and 1:8/],
      [
        { ...pod('hostnet', '1', '2Gi'), spec: { ...pod('h', '1', '2Gi').spec!, hostNetwork: true } },
        /hostNetwork/,
      ],
    ];
    for (const [body, rule] of cases) {
      const res = await cci('POST', `/api/v1/namespaces/${ns}/pods`, body);
      assert.equal(res.status, 400, `${body.metadata?.name}: ${res.text}`);
      assert.match(message(res), rule);
    }
    const list = await cci('GET', `/api/v1/namespaces/${ns}/pods`);
    assert.equal(list.json<{ items: unknown[] }>().items.length, 0, 'no refused pod was stored');
  });

  it('runs an accepted pod: Running with an IP from the subnet, events, and logs', async () => {
    const ns = await readyNamespace();
    const created = await cci('POST', `/api/v1/namespaces/${ns}/pods`, pod('server', '500m', '1Gi'));
    assert.equal(created.status, 201, created.text);
    const running = await waitFor('the pod to run', async () => {
      const p = (await cci('GET', `/api/v1/namespaces/${ns}/pods/server`)).json<V1Pod>();
      return p.status?.phase === 'Running' ? p : undefined;
    });
    assert.match(running.status?.podIP ?? '', /^192\.168\.0\.\d+$/);
    assert.equal(running.status?.containerStatuses?.[0]?.ready, true);
    const events = (await cci('GET', `/api/v1/namespaces/${ns}/events`)).json<{
      items: { reason: string }[];
    }>();
    assert.deepEqual(events.items.map((e) => e.reason).sort(), ['Created', 'Pulled', 'Scheduled', 'Started']);
    const log = await waitFor('a log line', async () => {
      const res = await cci('GET', `/api/v1/namespaces/${ns}/pods/server/log`);
      return res.status === 200 && res.text.includes('main: tick 1') ? res.text : undefined;
    });
    assert.match(log, /^main: tick 1$/m);
  });

  it('completes a pod whose containers exit, with their exit code and output', async () => {
    const ns = await readyNamespace();
    await cci(
      'POST',
      `/api/v1/namespaces/${ns}/pods`,
      pod('job-ok', '500m', '1Gi', ['sh', '-c', 'echo hello; echo done']),
    );
    await cci(
      'POST',
      `/api/v1/namespaces/${ns}/pods`,
      pod('job-fail', '500m', '1Gi', ['sh', '-c', 'echo failing; exit 3']),
    );
    const phase = (name: string) =>
      waitFor(`${name} to finish`, async () => {
        const p = (await cci('GET', `/api/v1/namespaces/${ns}/pods/${name}`)).json<V1Pod>();
        return ['Succeeded', 'Failed'].includes(p.status?.phase ?? '') ? p : undefined;
      });
    const ok = await phase('job-ok');
    assert.equal(ok.status?.phase, 'Succeeded');
    const failed = await phase('job-fail');
    assert.equal(failed.status?.phase, 'Failed');
    assert.equal(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
    const log = await cci('GET', `/api/v1/namespaces/${ns}/pods/job-ok/log`);
    assert.equal(log.text, 'hello\ndone\n');
  });

  it('hides namespaces of other projects and refuses cluster-wide access', async () => {
    const ns = await readyNamespace();
    const all = await cci('GET', '/api/v1/namespaces');
    const names = all.json<{ items: { metadata: { name: string } }[] }>().items.map((n) => n.metadata.name);
    assert.ok(names.includes(ns));
    assert.ok(!names.includes('kube-system'), 'the backend apiserver’s own namespaces are not visible');
    assert.equal((await cci('GET', '/api/v1/namespaces/kube-system/pods')).status, 404);
    assert.equal((await cci('GET', '/api/v1/pods')).status, 403);
  });

  describe('fault knobs', () => {
    afterEach(() => env().emulator.faults.clear());
    const getCluster = () => {
      const { accessKey, secretKey, projectId, clusterId } = env().emulator.scenario;
      return sdkRequest(
        {
          method: 'GET',
          endpoint: env().emulator.endpoints.cce,
          path: `/api/v3/projects/${projectId}/clusters/${clusterId}`,
        },
        accessKey,
        secretKey,
        projectId,
      );
    };

    it('answers 429 with Retry-After for as many requests as asked, then serves again', async () => {
      const fault = env().emulator.faults.add({ service: 'cce', status: 429, times: 2 });
      const first = await getCluster();
      assert.equal(first.status, 429);
      assert.equal(first.headers['retry-after'], '1');
      assert.equal((await getCluster()).status, 429);
      assert.equal((await getCluster()).status, 200);
      assert.equal(fault.hits, 2);
    });

    it('answers 503 only on the matching service and path', async () => {
      env().emulator.faults.add({ service: 'cci', path: /\/pods$/, status: 503 });
      assert.equal((await getCluster()).status, 200);
      assert.equal((await cci('GET', '/api/v1/namespaces/default/pods')).status, 503);
    });

    it('adds latency and drops connections', async () => {
      env().emulator.faults.add({ service: 'cce', latencyMs: 300, times: 1 });
      const start = Date.now();
      assert.equal((await getCluster()).status, 200);
      assert.ok(Date.now() - start >= 290, 'latency was added');
      env().emulator.faults.add({ service: 'cce', drop: true, times: 1 });
      await assert.rejects(getCluster(), /socket hang up|ECONNRESET/);
      assert.equal((await getCluster()).status, 200);
    });
  });
});
