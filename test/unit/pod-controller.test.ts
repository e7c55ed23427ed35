// The pod controller's decisions, without a control plane: the cluster's side is a fake
// (test/support/fake-cluster-pods.ts) and CCI is the in-memory one behind the real CCI provider
// (translation, CCI's rules, the kinds of CCI's errors), with CCI's refusals and outages injected.
// The same decisions against a real apiserver and the CCI emulator: test/integration/provider*.ts.
import assert from 'node:assert/strict';
import { KubeConfig, type V1Pod, type V1PodSpec } from '@kubernetes/client-node';
import { CloudApiError, CloudUnreachableError } from '../../src/cloud/http.js';
import { CciPodProvider } from '../../src/provider/cci-provider.js';
import * as errdefs from '../../src/provider/errdefs.js';
import type { Logger } from '../../src/provider/logger.js';
import { PodController } from '../../src/provider/pod-controller.js';
import { FakeClusterPods } from '../support/fake-cluster-pods.js';
import { InMemoryCci } from '../support/in-memory-cci.js';

const NODE = 'vk-unit';
const NODE_ADDRESS = '192.0.2.10';
const CCI_NAMESPACE = 'cce-burst-unit';

/** A kubeconfig whose server nobody listens on: the provider makes no cluster call for these pods. */
function unreachableKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'none', server: 'https://127.0.0.1:9', skipTLSVerify: false }],
    users: [{ name: 'none' }],
    contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
    currentContext: 'none',
  });
  return kc;
}

function collectingLogger(lines: string[]): Logger {
  const write = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

const spec = (nodeName: string, extra: Partial<V1PodSpec> = {}): V1PodSpec => ({
  nodeName,
  restartPolicy: 'Always',
  containers: [
    { name: 'main', image: 'busybox:1.36', resources: { limits: { cpu: '250m', memory: '1Gi' } } },
  ],
  ...extra,
});

let uids = 0;
const pod = (name: string, podSpec: V1PodSpec = spec(NODE)): V1Pod => ({
  metadata: { namespace: 'ns', name, uid: `uid-${++uids}` },
  spec: podSpec,
  status: { phase: 'Pending' },
});

/** Waits until `check` holds, or fails naming `what`. */
async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A controller over the fake cluster and `cci`; stopped after each test. */
class Harness {
  readonly logs: string[] = [];
  readonly provider: CciPodProvider;
  readonly controller: PodController;

  constructor(
    readonly cluster = new FakeClusterPods(),
    readonly cci = new InMemoryCci(),
  ) {
    const log = collectingLogger(this.logs);
    this.provider = new CciPodProvider(unreachableKubeConfig(), cci, {
      nodeName: NODE,
      cciNamespace: CCI_NAMESPACE,
      log,
      podsOnNode: (namespace) => cluster.list(namespace),
    });
    this.controller = new PodController(cluster, this.provider, {
      nodeName: NODE,
      nodeAddress: NODE_ADDRESS,
      log,
      minBackoffMs: 5,
    });
  }

  cciPods(): string[] {
    return this.cci.podNames(CCI_NAMESPACE);
  }

  phase(name: string): string | undefined {
    return this.cluster.pod('ns', name)?.status?.phase;
  }

  /** Lets every queued reconcile and the changes they cause run out. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.controller.idle();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('pod controller', () => {
  let running: Harness[] = [];
  const start = async (harness = new Harness()) => {
    running.push(harness);
    await harness.controller.start();
    return harness;
  };
  afterEach(async () => {
    await Promise.all(running.map((h) => h.controller.stop()));
    running = [];
  });

  it('creates a pod bound to the node in CCI and shows CCI’s status on it, with the node as its host', async () => {
    const h = await start();
    h.cluster.put(pod('web'));
    await until('the pod Running', () => h.phase('web') === 'Running');
    assert.deepEqual(h.cciPods(), [h.provider.podName('ns', 'web')]);
    const status = h.cluster.pod('ns', 'web')?.status;
    assert.equal(status?.hostIP, NODE_ADDRESS);
    assert.match(status?.podIP ?? '', /^10\./, 'the pod IP is CCI’s');
    assert.equal(status?.containerStatuses?.[0]?.ready, true);
    assert.deepEqual(h.cluster.events, []);
    await h.settle();
    assert.equal(h.cluster.patches.get('ns/web')?.length, 1, 'one status write per CCI change');
  });

  it('leaves a pod bound to another node alone', async () => {
    const h = await start();
    h.cluster.put(pod('elsewhere', spec('another-node')));
    await h.settle();
    assert.deepEqual(h.cciPods(), []);
    assert.equal(h.phase('elsewhere'), 'Pending');
    assert.equal(h.cluster.patches.size, 0);
    assert.deepEqual(h.cluster.events, []);
  });

  it('fails a pod CCI refuses (Permanent) with CCI’s reason and an event, and does not ask again', async () => {
    const h = await start();
    h.cci.failNext('createPod', new CloudApiError('cci', 422, 'Invalid', 'CCI 422: image is invalid'));
    h.cluster.put(pod('refused'));
    await until('the pod Failed', () => h.phase('refused') === 'Failed');
    const status = h.cluster.pod('ns', 'refused')?.status;
    assert.equal(status?.reason, 'ProviderFailed');
    assert.equal(status?.message, 'CCI refused the pod: CCI 422: image is invalid');
    assert.deepEqual(h.cluster.events, [
      { pod: 'ns/refused', reason: 'ProviderFailed', message: status?.message },
    ]);
    await h.settle();
    assert.deepEqual(h.cciPods(), [], 'a Failed pod is not created again');
    assert.ok(!h.logs.some((l) => l.includes('retrying')), 'a refusal is not retried');
  });

  it('fails a pod that breaks CCI’s rules before anything is asked of CCI', async () => {
    const h = await start();
    h.cluster.put(pod('host', spec(NODE, { hostNetwork: true })));
    await until('the pod Failed', () => h.phase('host') === 'Failed');
    assert.match(
      h.cluster.pod('ns', 'host')?.status?.message ?? '',
      /^CCI cannot run this pod: hostNetwork pods cannot run on CCI/,
    );
    assert.deepEqual(h.cciPods(), []);
  });

  it('retries through CCI’s passing failures (Transient) and never fails the pod for them', async () => {
    const h = await start();
    h.cci.failNext('createPod', new CloudApiError('cci', 503, undefined, 'CCI 503: busy'));
    h.cci.failNext('createPod', new CloudUnreachableError('cci', 'no answer within 10 s'));
    h.cci.failNext('createPod', new CloudApiError('cci', 409, 'Conflict', 'CCI 409: no Active Network yet'));
    h.cluster.put(pod('patient'));
    await until('the pod Running', () => h.phase('patient') === 'Running');
    assert.equal(h.logs.filter((l) => l.startsWith('warn pod reconcile failed; retrying')).length, 3);
    assert.deepEqual(h.cluster.events, []);
  });

  it('deletes the CCI pod of a pod being deleted, then removes the pod from the API', async () => {
    const h = await start();
    h.cluster.put(pod('going'));
    await until('the pod Running', () => h.phase('going') === 'Running');
    h.cluster.markDeleted('ns', 'going', 5);
    await until('the pod removed', () => h.cluster.removed.includes('ns/going'));
    assert.deepEqual(h.cciPods(), []);
    assert.ok(h.logs.some((l) => l === 'info deleting CCI pod'));
  });

  it('retries a deletion CCI did not answer, and finishes it', async () => {
    const h = await start();
    h.cluster.put(pod('slow'));
    await until('the pod Running', () => h.phase('slow') === 'Running');
    h.cci.failNext('deletePod', new CloudApiError('cci', 500, undefined, 'CCI 500'));
    h.cluster.markDeleted('ns', 'slow');
    await until('the pod removed', () => h.cluster.removed.includes('ns/slow'));
    assert.deepEqual(h.cciPods(), []);
  });

  it('fails a pod whose CCI pod vanished after it ran, with reason NotFound', async () => {
    const h = await start();
    h.cluster.put(pod('lost'));
    await until('the pod Running', () => h.phase('lost') === 'Running');
    await h.cci.deletePod(CCI_NAMESPACE, h.provider.podName('ns', 'lost'));
    await until('the pod Failed', () => h.phase('lost') === 'Failed');
    assert.equal(h.cluster.pod('ns', 'lost')?.status?.reason, 'NotFound');
    assert.deepEqual(h.cciPods(), [], 'it is not created again');
  });

  it('fails a pod whose name a CCI pod vkctl did not make holds, and leaves that pod alone', async () => {
    const h = new Harness();
    await h.cci.createPod(CCI_NAMESPACE, { metadata: { name: h.provider.podName('ns', 'taken') } });
    await start(h);
    h.cluster.put(pod('taken'));
    await until('the pod Failed', () => h.phase('taken') === 'Failed');
    assert.match(h.cluster.pod('ns', 'taken')?.status?.message ?? '', /exists that vkctl did not create/);
    assert.deepEqual(h.cciPods(), [h.provider.podName('ns', 'taken')]);
  });

  it('after a restart, deletes a CCI pod whose cluster pod went meanwhile and creates nothing twice', async () => {
    const cluster = new FakeClusterPods();
    const cci = new InMemoryCci();
    const first = await start(new Harness(cluster, cci));
    cluster.put(pod('stays'));
    cluster.put(pod('goes'));
    await until(
      'both Running',
      () => first.phase('stays') === 'Running' && first.phase('goes') === 'Running',
    );
    await first.controller.stop();
    running = [];
    // While no runtime runs, `goes` is removed from the cluster (force-deleted, say).
    const gone = cluster.pod('ns', 'goes');
    if (gone) await cluster.remove(gone);
    const second = await start(new Harness(cluster, cci));
    await until('the leaked CCI pod deleted', () => second.cciPods().length === 1);
    await second.settle();
    assert.deepEqual(second.cciPods(), [second.provider.podName('ns', 'stays')]);
    assert.ok(!second.logs.includes('info created CCI pod'), 'the pod that stayed is not created again');
  });
});

describe('CCI provider: CCI’s answers as kinds', () => {
  const provider = (cci: InMemoryCci) =>
    new CciPodProvider(unreachableKubeConfig(), cci, {
      nodeName: NODE,
      cciNamespace: CCI_NAMESPACE,
      log: collectingLogger([]),
      podsOnNode: () => [],
    });
  const kindOfCreate = async (error: Error) => {
    const cci = new InMemoryCci();
    cci.failNext('createPod', error);
    return provider(cci)
      .create(pod('p'))
      .then(
        () => 'created',
        (e: unknown) => errdefs.kindOf(e),
      );
  };

  it('400, 403 and 422 are Permanent; 429, 5xx, no answer and CCI’s not-authorized 404 are Transient', async () => {
    for (const status of [400, 403, 422])
      assert.equal(
        await kindOfCreate(new CloudApiError('cci', status, undefined, `CCI ${status}`)),
        'Permanent',
      );
    for (const status of [429, 500, 503])
      assert.equal(
        await kindOfCreate(new CloudApiError('cci', status, undefined, `CCI ${status}`)),
        'Transient',
      );
    assert.equal(await kindOfCreate(new CloudUnreachableError('cci', 'timeout')), 'Transient');
    assert.equal(
      await kindOfCreate(new CloudApiError('cci', 404, 'CCI.01.404101', 'no agency')),
      'Transient',
    );
    assert.equal(await kindOfCreate(new CloudApiError('cci', 404, undefined, 'not found')), 'NotFound');
    // A namespace being deleted refuses new pods for a while (NamespaceLifecycle): not for good.
    assert.equal(
      await kindOfCreate(
        new CloudApiError('cci', 403, 'Forbidden', 'CCI 403: being terminated', ['NamespaceTerminating']),
      ),
      'Transient',
    );
  });

  it('keeps CCI’s error as the cause', async () => {
    const cci = new InMemoryCci();
    const refusal = new CloudApiError('cci', 403, 'CCI.01.403104', 'CCI 403: not allowed');
    cci.failNext('createPod', refusal);
    const error = await provider(cci)
      .create(pod('p'))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof errdefs.ProviderError);
    assert.equal(error.cause, refusal);
  });

  it('takes a pod that exists already (an answer lost) as created', async () => {
    const cci = new InMemoryCci();
    cci.failNext('createPod', new CloudApiError('cci', 409, 'AlreadyExists', 'pods "ns.p" already exists'));
    await provider(cci).create(pod('p'));
  });

  it('reports a deletion of a pod already gone as NotFound', async () => {
    const error = await provider(new InMemoryCci())
      .delete('ns', 'nothing', 0)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(errdefs.isNotFound(error));
  });
});
