// The virtual node's conditions on the real apiserver, as a kubelet keeps them: when the
// node-lifecycle controller has set Ready to Unknown (heartbeats missed for its grace period), the
// next heartbeat's Ready True is a transition with a new lastTransitionTime while the other
// conditions keep theirs; a restarted runtime keeps the times the Node already has. (The controller
// itself takes 40 s or more to act: this test writes what it writes, as it writes it, instead.)
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import { mergePatch } from '../../src/kube/merge-patch.js';
import type { RunningProvider } from '../../src/provider/run.js';
import { useTestEnvironment } from '../env/environment.js';
import { startTestProvider } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

const transitions = (node: V1Node) =>
  new Map(
    (node.status?.conditions ?? []).map((c) => [c.type, new Date(c.lastTransitionTime ?? 0).toISOString()]),
  );

describe('the virtual node’s condition transitions', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const nodeName = `vk-cond-${Date.now().toString(36)}`;
  const logs: string[] = [];
  let running: RunningProvider | undefined;
  const readNode = () => env().core.readNode({ name: nodeName });

  before(async function () {
    this.timeout(60_000);
    running = await startTestProvider(env(), nodeName, logs);
  });

  after(async () => {
    await running?.stop();
    await env()
      .core.deleteNode({ name: nodeName })
      .catch(() => undefined);
  });

  it('moves Ready’s lastTransitionTime when a heartbeat sets it back from Unknown, and no other', async () => {
    const before = await readNode();
    // The apiserver keeps times to the second: a new transition time must be a later second.
    await sleep(1100);
    const markedAt = new Date();
    const conditions: V1NodeCondition[] = (before.status?.conditions ?? []).map((c) =>
      c.type === 'Ready'
        ? {
            ...c,
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
            lastTransitionTime: markedAt,
          }
        : c,
    );
    await env().core.patchNodeStatus({ name: nodeName, body: { status: { conditions } } }, mergePatch);
    const after = await waitFor('a heartbeat to set Ready True again', async () => {
      const node = await readNode();
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' && node;
    });
    const was = transitions(before);
    const now = transitions(after);
    assert.notEqual(now.get('Ready'), was.get('Ready'));
    assert.ok(
      (now.get('Ready') ?? '') >= new Date(Math.floor(markedAt.getTime() / 1000) * 1000).toISOString(),
      `Ready transitioned after Unknown (${now.get('Ready')}, marked ${markedAt.toISOString()})`,
    );
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'])
      assert.equal(now.get(type), was.get(type), `${type} did not transition`);
  });

  it('keeps every condition’s lastTransitionTime across a restart of the runtime', async () => {
    const before = transitions(await readNode());
    await running?.stop();
    running = undefined;
    await sleep(1100);
    running = await startTestProvider(env(), nodeName, logs);
    const heartbeats = running.node?.renewals ?? 0;
    await waitFor('a heartbeat of the restarted runtime', () =>
      Promise.resolve((running?.node?.renewals ?? 0) > heartbeats),
    );
    assert.deepEqual(transitions(await readNode()), before);
  });
});
