// Resource usage of the node's pods, for /stats/summary (the stats/v1alpha1 Summary API) and
// /metrics/resource (what metrics-server scrapes, so `kubectl top` and HPA see burst pods).
//
// Source: CCI's pod metrics, which give each running container's current CPU (cores) and memory
// (working set) over a window. What CCI does not give is computed, and marked so here:
// - cumulative CPU time (usageCoreNanoSeconds, container_cpu_usage_seconds_total) is integrated from
//   the sampled rates: since the container started at the first sample, since the last one after;
// - memory usageBytes is the working set (CCI reports one figure);
// - pod and node figures are sums of their containers.
import type { V1Pod } from '@kubernetes/client-node';
import type { CciApi, CciPodMetrics } from '../../cloud/cci.js';
import { parseQuantity } from '../../kube/quantity.js';
import { cciPodName } from '../translate.js';

interface CpuStats {
  time: string;
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
}
interface MemoryStats {
  time: string;
  usageBytes: number;
  workingSetBytes: number;
}
export interface ContainerStats {
  name: string;
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
}
export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu: CpuStats;
  memory: MemoryStats;
}
/** stats/v1alpha1 Summary, the part a virtual node can fill. */
export interface Summary {
  node: { nodeName: string; startTime: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodStats[];
}

const quantityNumber = (value: string | undefined) => {
  const q = parseQuantity(value);
  return q ? Number(q.num) / Number(q.den) : 0;
};

function sum(time: string, parts: { cpu: CpuStats; memory: MemoryStats }[]) {
  const add = (pick: (p: { cpu: CpuStats; memory: MemoryStats }) => number) =>
    parts.reduce((total, p) => total + pick(p), 0);
  return {
    cpu: {
      time,
      usageNanoCores: add((p) => p.cpu.usageNanoCores),
      usageCoreNanoSeconds: add((p) => p.cpu.usageCoreNanoSeconds),
    },
    memory: {
      time,
      usageBytes: add((p) => p.memory.usageBytes),
      workingSetBytes: add((p) => p.memory.workingSetBytes),
    },
  };
}

export class PodStatsSource {
  /** Integrated CPU time per container (key uid/container). */
  private readonly cpuTime = new Map<string, { coreNanoSeconds: number; at: number }>();
  private readonly startTime = new Date().toISOString();

  constructor(
    private readonly cci: CciApi,
    private readonly cciNamespace: string,
    private readonly nodeName: string,
    private readonly pods: () => readonly V1Pod[],
  ) {}

  async summary(): Promise<Summary> {
    const metrics = await this.cci.podMetrics(this.cciNamespace);
    const byName = new Map<string, CciPodMetrics>(metrics.items.map((m) => [m.metadata?.name ?? '', m]));
    const now = new Date();
    const time = now.toISOString();
    const seen = new Set<string>();
    const pods: PodStats[] = [];
    for (const pod of this.pods()) {
      const [namespace, name, uid] = [
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        pod.metadata?.uid ?? '',
      ];
      const sample = byName.get(cciPodName(namespace, name));
      if (!sample) continue;
      const containers = (sample.containers ?? []).map((c): ContainerStats => {
        const status = pod.status?.containerStatuses?.find((s) => s.name === c.name);
        const started = status?.state?.running?.startedAt ?? pod.status?.startTime ?? now;
        const key = `${uid}/${c.name}`;
        seen.add(key);
        const usageNanoCores = Math.round(quantityNumber(c.usage?.cpu) * 1e9);
        const previous = this.cpuTime.get(key);
        const since = previous?.at ?? new Date(started).getTime();
        const coreNanoSeconds =
          (previous?.coreNanoSeconds ?? 0) + usageNanoCores * Math.max(0, (now.getTime() - since) / 1000);
        this.cpuTime.set(key, { coreNanoSeconds, at: now.getTime() });
        const memory = Math.round(quantityNumber(c.usage?.memory));
        return {
          name: c.name,
          startTime: new Date(started).toISOString(),
          cpu: { time, usageNanoCores, usageCoreNanoSeconds: Math.round(coreNanoSeconds) },
          memory: { time, usageBytes: memory, workingSetBytes: memory },
        };
      });
      pods.push({
        podRef: { name, namespace, uid },
        startTime: new Date(pod.status?.startTime ?? now).toISOString(),
        containers,
        ...sum(time, containers),
      });
    }
    for (const key of this.cpuTime.keys()) if (!seen.has(key)) this.cpuTime.delete(key);
    return { node: { nodeName: this.nodeName, startTime: this.startTime, ...sum(time, pods) }, pods };
  }
}
