// Whether the runtime's resource limits can carry the pods its virtual node says it holds. The
// scheduler fills the node up to its pod capacity; a runtime whose memory limit is below what that
// many pods take is OOM-killed in a burst, and one with too little CPU takes minutes to bring them
// up. The rule (src/shared/sizing.ts) comes from the measurements in docs/benchmarks.md.
import type { V1Container } from '@kubernetes/client-node';
import { PROVIDER_DEPLOYMENT } from '../shared/names.js';
import { parseQuantity } from '../shared/quantity.js';
import { podsCarried, resourcesFor, RUNTIME_SIZING } from '../shared/sizing.js';
import type { Check } from './check.js';

/** The runtime's container in the provider Deployment (the other one is the approver). */
const RUNTIME_CONTAINER = 'provider';

/** The check's verdict on a node capacity and the runtime container's limits; throws when short. */
export function judgeCapacity(
  nodeName: string,
  podCapacity: number,
  container: V1Container | undefined,
): string {
  const limits = container?.resources?.limits ?? {};
  const cpu = parseQuantity(limits.cpu);
  const memory = parseQuantity(limits.memory);
  const { byMemory, byCpu } = podsCarried({ cpu, memory });
  const described = `limits ${limits.cpu ?? 'no CPU limit'}, ${limits.memory ?? 'no memory limit'}`;
  const short: string[] = [];
  if (byMemory < podCapacity)
    short.push(`memory for about ${byMemory} pods (beyond it, OOM-killed in a burst)`);
  if (byCpu < podCapacity)
    short.push(`CPU for about ${byCpu} pods in a burst of ${RUNTIME_SIZING.burstSeconds} s`);
  if (short.length > 0) {
    const wanted = resourcesFor(podCapacity);
    throw new Error(
      `node ${nodeName} holds up to ${podCapacity} pods, the runtime's ${described} have ${short.join(' and ')}; ` +
        `${podCapacity} pods want ${wanted.cpu} CPU and ${wanted.memory}`,
    );
  }
  const room = Number.isFinite(byMemory) ? ` (memory for about ${byMemory} pods)` : '';
  return `${podCapacity} pods within the runtime's ${described}${room}`;
}

export const capacityCheck: Check = {
  id: 'runtime-capacity',
  category: 'runtime',
  description: 'the runtime’s CPU and memory limits carry the virtual node’s pod capacity',
  severity: 'warning',
  hint: 'raise the limits to what the message gives: vkctl upgrade --set resources.cpu=<cpu> --set resources.memory=<memory> (docs/benchmarks.md, "Sizing the runtime")',
  needs: ['provider-available', 'virtual-node-ready'],
  async run(ctx) {
    const [deployment, node] = await Promise.all([
      ctx.apps().readNamespacedDeployment({ name: PROVIDER_DEPLOYMENT, namespace: ctx.settings.namespace }),
      ctx.core().readNode({ name: ctx.settings.nodeName }),
    ]);
    const pods = Number.parseInt(node.status?.capacity?.pods ?? '', 10);
    if (!Number.isFinite(pods)) throw new Error(`node ${ctx.settings.nodeName} reports no pod capacity`);
    const container = deployment.spec?.template.spec?.containers.find((c) => c.name === RUNTIME_CONTAINER);
    return judgeCapacity(ctx.settings.nodeName, pods, container);
  },
};
