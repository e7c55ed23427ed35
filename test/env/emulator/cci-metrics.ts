// CCI's pod metrics, in the shape of Kubernetes' metrics API (metrics.k8s.io/v1beta1 PodMetrics):
// per running container, CPU in nanocores and memory in bytes over a window. The emulator's
// containers run nothing, so their usage is a fixed share of what they were given, which tests can
// predict: CPU 5% of the container's CPU limit (else request, else 10m), memory 10% of its memory
// limit (else request, else 1600Mi).
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { parseQuantity, type Quantity } from '../../../src/shared/quantity.js';

export interface PodMetrics {
  metadata: { name: string; namespace: string };
  timestamp: string;
  window: string;
  containers: { name: string; usage: { cpu: string; memory: string } }[];
}

export const CPU_SHARE = 0.05;
export const MEMORY_SHARE = 0.1;

function given(container: V1Container, resource: 'cpu' | 'memory', fallback: string): Quantity {
  const value =
    container.resources?.limits?.[resource] ?? container.resources?.requests?.[resource] ?? fallback;
  return parseQuantity(value) ?? { num: 0n, den: 1n };
}

const scaled = (q: Quantity, factor: number, unit: number) =>
  Math.round((Number(q.num) / Number(q.den)) * factor * unit);

export function podMetrics(
  pod: V1Pod,
  isRunning: (container: string) => boolean,
  now: Date,
): PodMetrics | undefined {
  const containers = (pod.spec?.containers ?? []).filter((c) => isRunning(c.name));
  if (containers.length === 0) return undefined;
  return {
    metadata: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '' },
    timestamp: now.toISOString(),
    window: '30s',
    containers: containers.map((c) => ({
      name: c.name,
      usage: {
        cpu: `${scaled(given(c, 'cpu', '10m'), CPU_SHARE, 1e9)}n`,
        memory: String(scaled(given(c, 'memory', '1600Mi'), MEMORY_SHARE, 1)),
      },
    })),
  };
}
