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
