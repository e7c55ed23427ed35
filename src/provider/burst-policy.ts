// The burst policy: what the mutating webhook adds to a pod at creation, from the label
// virtual-kubelet.io/burst-to-cci on the pod (its workload's pod template carries it there):
// - enforce: the toleration of the virtual node's taint and a required affinity to it, so the
//   pod always runs on CCI;
// - localPrefer and auto: the toleration and a preference for ordinary nodes, so the pod goes to
//   CCI only when the CCE nodes are full;
// - off, absent or unknown: nothing.
// DaemonSet pods and hostNetwork pods are never given the toleration (CCI cannot run them).
import type { V1Affinity, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { BURST_LABEL, BURST_POLICIES, type BurstPolicy } from '../shared/burst-label.js';
import { NODE_TYPE_LABEL, PROVIDER_TAINT } from './node.js';

/** A JSON Patch operation (RFC 6902), as admission webhooks return them. */
export interface PatchOperation {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

const TOLERATION: V1Toleration = {
  key: PROVIDER_TAINT.key,
  operator: 'Equal',
  value: PROVIDER_TAINT.value,
  effect: PROVIDER_TAINT.effect,
};
const VIRTUAL_NODE = { key: 'type', operator: 'In', values: [NODE_TYPE_LABEL.type] };
const ORDINARY_NODE = { key: 'type', operator: 'NotIn', values: [NODE_TYPE_LABEL.type] };

export function burstPolicyOf(pod: V1Pod): BurstPolicy {
  const value = pod.metadata?.labels?.[BURST_LABEL];
  return BURST_POLICIES.includes(value as BurstPolicy) ? (value as BurstPolicy) : 'off';
}

function affinityFor(policy: BurstPolicy, current: V1Affinity | undefined): V1Affinity {
  const nodeAffinity = { ...current?.nodeAffinity };
  if (policy === 'enforce') {
    const terms = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [{}];
    // Node selector terms are ORed: the virtual node's requirement joins every one of them.
    nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
      nodeSelectorTerms: terms.map((t) => ({
        ...t,
        matchExpressions: [...(t.matchExpressions ?? []), VIRTUAL_NODE],
      })),
    };
  } else {
    nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution = [
      ...(nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []),
      { weight: 100, preference: { matchExpressions: [ORDINARY_NODE] } },
    ];
  }
  return { ...current, nodeAffinity };
}

/** The patch for a pod being created; empty when the policy leaves it alone. */
export function burstPatch(pod: V1Pod): PatchOperation[] {
  const policy = burstPolicyOf(pod);
  if (policy === 'off') return [];
  if (pod.spec?.hostNetwork) return [];
  if (pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet')) return [];
  const tolerations = pod.spec?.tolerations ?? [];
  const patch: PatchOperation[] = [];
  if (!tolerations.some((t) => t.key === TOLERATION.key)) {
    patch.push(
      pod.spec?.tolerations
        ? { op: 'add', path: '/spec/tolerations/-', value: TOLERATION }
        : { op: 'add', path: '/spec/tolerations', value: [TOLERATION] },
    );
  }
  patch.push({
    op: pod.spec?.affinity ? 'replace' : 'add',
    path: '/spec/affinity',
    value: affinityFor(policy, pod.spec?.affinity),
  });
  return patch;
}
