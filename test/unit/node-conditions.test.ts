// A node condition's lastTransitionTime says when its status last changed, as a kubelet keeps it:
// a heartbeat moves lastHeartbeatTime only, a changed status gets a new transition time, and the
// times already on the Node survive a runtime restart. The previous conditions are the Node's as
// the apiserver has them, so a status someone else set in between (the node-lifecycle controller's
// Ready Unknown) is a transition when the runtime's heartbeat sets it back.
import assert from 'node:assert/strict';
import { CoreV1Api, type KubeConfig, type V1Node, type V1NodeCondition } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { healthyNodeConditions, keepTransitionTimes } from '../../src/kube/node-conditions.js';
import { VirtualNode } from '../../src/provider/node.js';

const earlier = new Date('2026-11-01T08:00:00Z');
const now = new Date('2026-12-02T13:00:00Z');
const byType = (conditions: readonly V1NodeCondition[] | undefined) =>
  new Map((conditions ?? []).map((c) => [c.type, c]));

describe('keepTransitionTimes', () => {
  it('keeps the transition time of a condition whose status holds, and moves that of one whose status changed', () => {
    const previous = healthyNodeConditions(earlier, 'before').map((c) =>
      c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c,
    );
    const next = byType(keepTransitionTimes(healthyNodeConditions(now, 'now'), previous));
    assert.equal(next.get('Ready')?.status, 'True');
    assert.deepEqual(next.get('Ready')?.lastTransitionTime, now, 'Unknown → True is a transition');
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      assert.deepEqual(next.get(type)?.lastTransitionTime, earlier, `${type} did not transition`);
      assert.deepEqual(next.get(type)?.lastHeartbeatTime, now, `${type} had a heartbeat`);
    }
  });

  it('starts now a condition with no previous one, or one without a transition time', () => {
    const previous: V1NodeCondition[] = [{ type: 'Ready', status: 'True' }];
    const next = byType(keepTransitionTimes(healthyNodeConditions(now, 'now'), previous));
    assert.deepEqual(next.get('Ready')?.lastTransitionTime, now);
    assert.deepEqual(next.get('PIDPressure')?.lastTransitionTime, now);
    const fresh = keepTransitionTimes(healthyNodeConditions(now, 'now'), undefined);
    assert.ok(fresh.every((c) => c.lastTransitionTime === now));
  });
});

/** The Node calls VirtualNode makes, against one Node held in memory, with resourceVersions. */
class FakeNodes {
  node: V1Node | undefined;
  written: V1NodeCondition[][] = [];
  private version = 0;
  /** Someone else's write, made once between the runtime's next read and its write. */
  interloper: ((node: V1Node) => V1Node) | undefined;
  /** How many of the next status writes someone else's write (a taint, say) gets ahead of. */
  busy = 0;

  private store(node: V1Node): V1Node {
    this.version += 1;
    this.node = { ...node, metadata: { ...node.metadata, resourceVersion: String(this.version) } };
    return this.node;
  }

  /** As the apiserver: an AlreadyExists, NotFound or Conflict is an error with that HTTP code. */
  private refuse(code: number): Promise<never> {
    return Promise.reject(Object.assign(new Error(`HTTP ${code}`), { code }));
  }

  createNode({ body }: { body: V1Node }): Promise<V1Node> {
    if (this.node) return this.refuse(409);
    return Promise.resolve(this.store({ ...body, metadata: { ...body.metadata, uid: 'uid-1' } }));
  }

  readNode(): Promise<V1Node> {
    if (!this.node) return this.refuse(404);
    return Promise.resolve(structuredClone(this.node));
  }

  patchNodeStatus({ body }: { body: V1Node }): Promise<V1Node> {
    if (this.node && this.interloper) {
      this.store(this.interloper(this.node));
      this.interloper = undefined;
    }
    if (!this.node) return this.refuse(404);
    if (this.busy > 0 && body.metadata?.resourceVersion) {
      this.busy -= 1;
      this.store(this.node);
    }
    const expected = body.metadata?.resourceVersion;
    if (expected && expected !== this.node.metadata?.resourceVersion) return this.refuse(409);
    this.written.push(body.status?.conditions ?? []);
    return Promise.resolve(this.store({ ...this.node, status: { ...this.node.status, ...body.status } }));
  }
}

/** The Node with Ready set Unknown since `at`, as the node-lifecycle controller sets it. */
const readyUnknown =
  (at: Date) =>
  (node: V1Node): V1Node => ({
    ...node,
    status: {
      ...node.status,
      conditions: node.status?.conditions?.map((c) =>
        c.type === 'Ready'
          ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: at }
          : { ...c, lastTransitionTime: earlier },
      ),
    },
  });

function virtualNode(nodes: FakeNodes, renewIntervalMs = 60_000): VirtualNode {
  const kc = {
    makeApiClient: (api: unknown) => (api === CoreV1Api ? nodes : {}),
  } as unknown as KubeConfig;
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  return new VirtualNode(
    kc,
    {
      name: 'vk',
      capacity: { cpu: '8', memory: '16Gi', pods: '10' },
      address: '10.0.0.5',
      kubeletPort: 10250,
      version: '0.0.0',
      // The lease is the elector's: the heartbeat writes the Node's status only.
      leaseIsLeaderLock: true,
      renewIntervalMs,
    },
    quiet,
  );
}

/** The conditions of the next status write after now, at a heartbeat every few milliseconds. */
async function nextWrite(nodes: FakeNodes): Promise<V1NodeCondition[]> {
  const count = nodes.written.length;
  while (nodes.written.length === count) await sleep(5);
  return nodes.written.at(-1) ?? [];
}

describe('the virtual node’s condition times', () => {
  it('keeps the times of the Node it finds when the runtime restarts', async () => {
    const nodes = new FakeNodes();
    nodes.node = {
      metadata: { name: 'vk', uid: 'uid-1' },
      status: {
        conditions: [
          ...healthyNodeConditions(earlier, 'before'),
          {
            type: 'NetworkUnavailable',
            status: 'False',
            lastHeartbeatTime: earlier,
            lastTransitionTime: earlier,
          },
        ],
      },
    };
    const node = virtualNode(nodes);
    await node.start();
    node.stop();
    assert.equal(nodes.written.length, 2, 'the status at registration, then the first heartbeat');
    for (const conditions of nodes.written) {
      assert.equal(conditions.length, 5);
      for (const c of conditions) {
        assert.deepEqual(c.lastTransitionTime, earlier, `${c.type} did not transition`);
        assert.notDeepEqual(c.lastHeartbeatTime, earlier, `${c.type} had a heartbeat`);
      }
    }
  });

  it('gives Ready a new transition time when a heartbeat replaces a status someone else set', async () => {
    const nodes = new FakeNodes();
    const node = virtualNode(nodes, 10);
    await node.start();
    // The node-lifecycle controller, after heartbeats went missing for its grace period: Ready
    // Unknown since `marked`; the other conditions untouched since `earlier`.
    const marked = new Date(Date.now() - 1000);
    if (nodes.node) nodes.node = readyUnknown(marked)(nodes.node);
    const replacedAt = Date.now();
    const after = byType(await nextWrite(nodes));
    node.stop();
    assert.equal(after.get('Ready')?.status, 'True');
    const readyAt = new Date(after.get('Ready')?.lastTransitionTime ?? 0).getTime();
    assert.ok(readyAt >= replacedAt, 'Unknown → True: a transition, at the heartbeat');
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'])
      assert.deepEqual(after.get(type)?.lastTransitionTime, earlier, `${type} did not transition`);
  });

  it('reads again, rather than overwrite, a status written between its read and its write', async () => {
    const nodes = new FakeNodes();
    const node = virtualNode(nodes, 10);
    await node.start();
    // Written long ago, so that a write made from the stale read would show it.
    nodes.node = {
      ...nodes.node,
      status: {
        ...nodes.node?.status,
        conditions: nodes.node?.status?.conditions?.map((c) => ({ ...c, lastTransitionTime: earlier })),
      },
    };
    const replacedAt = Date.now();
    nodes.interloper = readyUnknown(new Date(replacedAt - 1000));
    const after = byType(await nextWrite(nodes));
    node.stop();
    assert.equal(after.get('Ready')?.status, 'True');
    assert.ok(new Date(after.get('Ready')?.lastTransitionTime ?? 0).getTime() >= replacedAt);
    assert.deepEqual(after.get('PIDPressure')?.lastTransitionTime, earlier);
  });

  it('reads and writes again through conflicts, up to the kubelet’s five tries', async () => {
    const nodes = new FakeNodes();
    const node = virtualNode(nodes);
    nodes.busy = 4; // the first heartbeat loses four races, as a node just registered may
    await node.start();
    node.stop();
    assert.equal(nodes.written.length, 2, 'the status at registration, then the first heartbeat');
    const again = virtualNode(nodes);
    nodes.busy = 5;
    await assert.rejects(again.start(), (e: { code?: number }) => e.code === 409);
  });

  it('registers a deleted Node again, its conditions starting then', async () => {
    const nodes = new FakeNodes();
    const node = virtualNode(nodes, 10);
    await node.start();
    nodes.node = undefined;
    const deletedAt = Date.now();
    const written = await nextWrite(nodes);
    node.stop();
    assert.equal(written.length, 5);
    for (const c of written)
      assert.ok(new Date(c.lastTransitionTime ?? 0).getTime() >= deletedAt, `${c.type} starts again`);
  });
});
