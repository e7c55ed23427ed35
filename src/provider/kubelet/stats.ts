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
//
// CCI does not document its metrics API (../shared/reference/huawei-cloud-2.md §1). Where it answers
// 404 for it, the Summary still lists the node, its pods and their running containers, without
// CPU or memory (the Summary API's figures are optional), and the runtime warns once.
import type { KubernetesListObject, V1Pod } from '@kubernetes/client-node';
import { isUnservedApi, type CciPodMetrics } from '../../cloud/cci.js';
import type { CciBackend } from '../cci-backend.js';
import { errorText, type Logger } from '../logger.js';
import { parseQuantity } from '../../shared/quantity.js';
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
interface Usage {
  cpu: CpuStats;
  memory: MemoryStats;
}
/** Without `cpu` and `memory` when CCI serves no metrics API. */
export interface ContainerStats extends Partial<Usage> {
  name: string;
  startTime: string;
}
export interface PodStats extends Partial<Usage> {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
}
/** stats/v1alpha1 Summary, the part a virtual node can fill. */
export interface Summary {
  node: { nodeName: string; startTime: string } & Partial<Usage>;
  pods: PodStats[];
}

const quantityNumber = (value: string | undefined) => {
  const q = parseQuantity(value);
  return q ? Number(q.num) / Number(q.den) : 0;
};

function sum(time: string, parts: Usage[]): Usage {
  const add = (pick: (p: Usage) => number) => parts.reduce((total, p) => total + pick(p), 0);
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

  /** Whether CCI's last answer for its metrics API was a 404 (warned once for each such spell). */
  private metricsApiMissing = false;

  /** The Summary; `log` hears when CCI turns out to serve no metrics API, and when it does again. */
  async summary(log: Logger): Promise<Summary> {
    const metrics = await this.podMetrics(log);
    if (!metrics) return this.withoutUsage();
    const byName = new Map<string, CciPodMetrics>(metrics.items.map((m) => [m.metadata?.name ?? '', m]));
    const now = new Date();
    const time = now.toISOString();
    const pods: (PodStats & Usage)[] = [];
    for (const pod of this.pods()) {
      const [namespace, name, uid] = [
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        pod.metadata?.uid ?? '',
      ];
      const sample = byName.get(cciPodName(namespace, name));
      if (!sample) continue;
      const containers = (sample.containers ?? []).map((c) => this.containerStats(pod, c, now));
      pods.push({
        podRef: { name, namespace, uid },
        startTime: this.podStartTime(pod),
        containers,
        ...sum(time, containers),
      });
    }
    this.forgetPodsGone();
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

  /**
   * CCI's pod metrics, or undefined while CCI answers 404 for them: Kubernetes' own NotFound for a
   * path it does not serve. CCI's 404 CCI.01.404101 (CCI not authorized) is an error like any other.
   */
  private async podMetrics(log: Logger): Promise<KubernetesListObject<CciPodMetrics> | undefined> {
    try {
      const metrics = await this.cci.podMetrics(this.cciNamespace);
      if (this.metricsApiMissing) log.info('CCI serves a metrics API now: pod usage is reported again');
      this.metricsApiMissing = false;
      return metrics;
    } catch (error) {
      if (!isUnservedApi(error)) throw error;
      if (!this.metricsApiMissing)
        log.warn(
          'CCI serves no metrics API: /stats/summary and /metrics/resource report no CPU or memory ' +
            'for this node’s pods, so kubectl top and HPA get no figures for them',
          { error: errorText(error) },
        );
      this.metricsApiMissing = true;
      return undefined;
    }
  }

  /** The node, its pods and their running containers, with start times and no usage. */
  private withoutUsage(): Summary {
    const pods = this.pods().map((pod) => ({
      podRef: {
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        uid: pod.metadata?.uid ?? '',
      },
      startTime: this.podStartTime(pod),
      containers: (pod.status?.containerStatuses ?? []).flatMap((s) =>
        s.state?.running?.startedAt
          ? [{ name: s.name, startTime: new Date(s.state.running.startedAt).toISOString() }]
          : [],
      ),
    }));
    this.forgetPodsGone();
    return { node: { nodeName: this.nodeName, startTime: this.startTime }, pods };
  }

  private podStartTime(pod: V1Pod): string {
    return pod.status?.startTime ? new Date(pod.status.startTime).toISOString() : this.startTime;
  }

  /** Drops the CPU time of pods no longer on the node. */
  private forgetPodsGone(): void {
    const present = new Set(this.pods().map((p) => p.metadata?.uid ?? ''));
    for (const key of this.cpuTime.keys())
      if (!present.has(key.split('/')[0] ?? '')) this.cpuTime.delete(key);
  }

  private containerStats(
    pod: V1Pod,
    sample: NonNullable<CciPodMetrics['containers']>[number],
    now: Date,
  ): ContainerStats & Usage {
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
