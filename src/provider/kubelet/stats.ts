// Resource usage of the node's pods, for /stats/summary (the stats/v1alpha1 Summary API) and
// /metrics/resource (what metrics-server scrapes, so `kubectl top` and HPA see burst pods).
//
// Source: CCI's pod metrics, which give each running container's current CPU (cores) and memory
// (working set) over a window. What CCI does not give is computed, and marked so here:
// - cumulative CPU time (usageCoreNanoSeconds, container_cpu_usage_seconds_total) is integrated from
//   the sampled rates: since the container started at the first sample, since the last one after;
// - memory usageBytes is the working set (CCI reports one figure);
// - pod figures are sums of their containers; the node's CPU time adds up every container's, so it
//   never goes down when a pod leaves; an idle figure is reported as 1 (see `reported`).
import type { V1Pod } from '@kubernetes/client-node';
import type { CciPodMetrics } from '../../cloud/cci.js';
import type { CciBackend } from '../cci-backend.js';
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

/**
 * metrics-server drops a node, or a whole pod, whose figures include a 0 (it takes 0 for "not
 * reported"), so an idle container or an empty virtual node is reported at the least non-zero value.
 */
const reported = (value: number) => Math.max(1, Math.round(value));

interface ContainerCpu {
  coreNanoSeconds: number;
  at: number;
  startTime: string;
}

export class PodStatsSource {
  /** Integrated CPU time per container (key uid/container), kept while the pod exists. */
  private readonly cpuTime = new Map<string, ContainerCpu>();
  /** The node's CPU time: grows by every container's increment, so it never goes down. */
  private nodeCoreNanoSeconds = 0;
  private readonly startTime = new Date().toISOString();

  constructor(
    private readonly cci: CciBackend,
    private readonly cciNamespace: string,
    private readonly nodeName: string,
    private readonly pods: () => readonly V1Pod[],
  ) {}

  async summary(): Promise<Summary> {
    const metrics = await this.cci.podMetrics(this.cciNamespace);
    const byName = new Map<string, CciPodMetrics>(metrics.items.map((m) => [m.metadata?.name ?? '', m]));
    const now = new Date();
    const time = now.toISOString();
    const present = new Set<string>();
    const pods: PodStats[] = [];
    for (const pod of this.pods()) {
      const [namespace, name, uid] = [
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        pod.metadata?.uid ?? '',
      ];
      present.add(uid);
      const sample = byName.get(cciPodName(namespace, name));
      if (!sample) continue;
      const containers = (sample.containers ?? []).map((c) => this.containerStats(pod, c, now));
      pods.push({
        podRef: { name, namespace, uid },
        startTime: pod.status?.startTime ? new Date(pod.status.startTime).toISOString() : this.startTime,
        containers,
        ...sum(time, containers),
      });
    }
    for (const key of this.cpuTime.keys())
      if (!present.has(key.split('/')[0] ?? '')) this.cpuTime.delete(key);
    const node = sum(time, pods);
    return {
      node: {
        nodeName: this.nodeName,
        startTime: this.startTime,
        cpu: { ...node.cpu, usageCoreNanoSeconds: reported(this.nodeCoreNanoSeconds) },
        memory: {
          time,
          usageBytes: reported(node.memory.usageBytes),
          workingSetBytes: reported(node.memory.workingSetBytes),
        },
      },
      pods,
    };
  }

  private containerStats(
    pod: V1Pod,
    sample: NonNullable<CciPodMetrics['containers']>[number],
    now: Date,
  ): ContainerStats {
    const time = now.toISOString();
    const key = `${pod.metadata?.uid ?? ''}/${sample.name}`;
    const status = pod.status?.containerStatuses?.find((s) => s.name === sample.name);
    const started = status?.state?.running?.startedAt ?? pod.status?.startTime;
    const previous = this.cpuTime.get(key);
    // A start time that stays put: metrics-server reads a new one as a restart.
    const startTime = started ? new Date(started).toISOString() : (previous?.startTime ?? time);
    const usageNanoCores = Math.round(quantityNumber(sample.usage?.cpu) * 1e9);
    const since = previous?.at ?? new Date(startTime).getTime();
    const increment = usageNanoCores * Math.max(0, (now.getTime() - since) / 1000);
    const coreNanoSeconds = (previous?.coreNanoSeconds ?? 0) + increment;
    this.nodeCoreNanoSeconds += increment;
    this.cpuTime.set(key, { coreNanoSeconds, at: now.getTime(), startTime });
    const memory = reported(quantityNumber(sample.usage?.memory));
    return {
      name: sample.name,
      startTime,
      cpu: { time, usageNanoCores, usageCoreNanoSeconds: reported(coreNanoSeconds) },
      memory: { time, usageBytes: memory, workingSetBytes: memory },
    };
  }
}
