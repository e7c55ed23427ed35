// The conditions a healthy kubelet reports for its node: Ready, and no memory, disk or PID
// pressure. Used by the virtual node and by the test environment's fake worker nodes.
import type { V1NodeCondition } from '@kubernetes/client-node';

export function healthyNodeConditions(now: Date, message: string): V1NodeCondition[] {
  const condition = (type: string, status: string, reason: string): V1NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return [
    condition('Ready', 'True', 'KubeletReady'),
    condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
  ];
}

/**
 * `next` with each condition's lastTransitionTime taken from `previous` where its status has not
 * changed, as the kubelet's condition setters do: a heartbeat moves lastHeartbeatTime only, and
 * lastTransitionTime says when the status last changed (across restarts too, given the node's
 * conditions as last written).
 */
export function keepTransitionTimes(
  next: readonly V1NodeCondition[],
  previous: readonly V1NodeCondition[] | undefined,
): V1NodeCondition[] {
  return next.map((condition) => {
    const before = previous?.find((p) => p.type === condition.type);
    return before?.status === condition.status && before.lastTransitionTime
      ? { ...condition, lastTransitionTime: before.lastTransitionTime }
      : condition;
  });
}
