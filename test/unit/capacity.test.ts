import assert from 'node:assert/strict';
import type { V1Container, V1Deployment, V1Node } from '@kubernetes/client-node';
import { defaultValues } from '../../src/addon/values.js';
import { capacityCheck, judgeCapacity } from '../../src/checks/capacity.js';
import type { CheckContext } from '../../src/checks/context.js';
import { coversPods, podsCarried, resourcesFor, RUNTIME_SIZING } from '../../src/shared/sizing.js';
import { parseQuantity } from '../../src/shared/quantity.js';

const runtime = (cpu: string, memory: string): V1Container => ({
  name: 'provider',
  resources: { limits: { cpu, memory } },
});

/** Just what the check reads: the provider Deployment and the virtual node. */
function context(pods: string, container: V1Container): CheckContext {
  const deployment: V1Deployment = {
    spec: { selector: {}, template: { spec: { containers: [{ name: 'approver' }, container] } } },
  };
  const node: V1Node = { status: { capacity: { pods } } };
  return {
    settings: { namespace: 'kube-system', nodeName: 'vk' },
    apps: () => ({ readNamespacedDeployment: () => Promise.resolve(deployment) }),
    core: () => ({ readNode: () => Promise.resolve(node) }),
  } as unknown as CheckContext;
}

describe('runtime sizing and the capacity check', () => {
  it('the add-on’s default resources carry the node’s default capacity (1,000 pods)', () => {
    const { resources } = defaultValues('0.2.0');
    assert.ok(coversPods(resources, 1000), JSON.stringify({ resources, rule: resourcesFor(1000) }));
    assert.doesNotMatch(judgeCapacity('vk', 1000, runtime(resources.cpu, resources.memory)), /want/);
  });

  it('gives memory and CPU that grow with the pods', () => {
    const small = resourcesFor(1000);
    const large = resourcesFor(5000);
    assert.deepEqual(small, { cpu: '350m', memory: '256Mi' });
    assert.deepEqual(large, { cpu: '1700m', memory: '704Mi' });
    // What the rule gives carries what it was asked for.
    for (const pods of [100, 1000, 5000, 20000]) {
      const { cpu, memory } = resourcesFor(pods);
      const carried = podsCarried({ cpu: parseQuantity(cpu), memory: parseQuantity(memory) });
      assert.ok(carried.byMemory >= pods && carried.byCpu >= pods, `${pods}: ${JSON.stringify(carried)}`);
    }
    assert.equal(podsCarried({ memory: parseQuantity(`${RUNTIME_SIZING.baseMiB}Mi`) }).byMemory, 0);
  });

  it('warns when the node holds more pods than the limits carry, and says what they want', async () => {
    await assert.rejects(
      Promise.resolve(capacityCheck.run(context('5000', runtime('350m', '512Mi')))),
      (error: Error) => {
        assert.match(error.message, /node vk holds up to 5000 pods/);
        assert.match(error.message, /memory for about 3428 pods \(beyond it, OOM-killed in a burst\)/);
        assert.match(error.message, /CPU for about 1050 pods/);
        assert.match(error.message, /5000 pods want 1700m CPU and 704Mi/);
        return true;
      },
    );
    const ok = await capacityCheck.run(context('1000', runtime('350m', '512Mi')));
    assert.match(ok, /^1000 pods within the runtime's limits 350m, 512Mi/);
  });

  it('takes a runtime without limits as unbounded, and a node without a pod capacity as an error', async () => {
    assert.match(judgeCapacity('vk', 100_000, { name: 'provider' }), /no CPU limit, no memory limit/);
    await assert.rejects(
      Promise.resolve(capacityCheck.run(context('', runtime('1', '1Gi')))),
      /reports no pod capacity/,
    );
  });
});
