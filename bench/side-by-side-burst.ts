// One side-by-side run: a Deployment of N pods bound to the runtime's virtual node, until every pod
// is Running or the runtime is gone (OOM-killed inside its limits), with what it cost the runtime
// and everything else on the machine.
import { execFileSync } from 'node:child_process';
import { PROVIDER_TAINT } from '../src/provider/node.js';
import { burstAudit, type BurstAudit } from '../test/env/audit.js';
import type { TestEnvironment } from '../test/env/environment.js';
import { waitFor } from '../test/env/wait.js';
import type { ContainerLimits, LimitGroup } from './limits.js';
import { timePods, type PodTiming } from './pod-timing.js';
import { cpuSeconds, peakRssMiB } from './process-stats.js';
import { queueWaitBetween, readQueueWait, type QueueWait } from './queue-wait.js';
import type { StartedRuntime } from './runtimes.js';
import { summarize, type Series } from './stats.js';

export interface RunFigures {
  runtime: string;
  pods: number;
  /** Whether every pod ran (not, when the runtime was killed first). */
  completed: boolean;
  /** Until every pod ran, or until the runtime was gone. */
  allRunningMs: number | null;
  podsPerSecond: number | null;
  runningAtEnd: number;
  bindToRunning: Series;
  /**
   * bindToRunning in two: from the bench seeing the pod bound until the apiserver received the
   * runtime's first write of its status (the runtime's watch, its queue and work, the request's way
   * there), and from then until the bench saw it Running (the apiserver's queue and work, etcd, the
   * watch to the bench). From the audit log; pods without an audited status write are left out.
   */
  bindToStatusWrite?: Series;
  statusWriteToRunning?: Series;
  /**
   * From the apiserver's answer to the scheduler's binding until its answer to the runtime's first
   * status write, both from the audit log: bind-to-Running without the bench's watch, when the first
   * status write is the one that says Running (in memory it is: one request a pod). Beside it, how
   * late the bench saw the pod bound after the binding was answered (its watch on the same cores).
   */
  answeredBindToStatus?: Series;
  benchSawBindLate?: Series;
  /** Ours: how long pods waited in the runtime's work queue during the burst (its /metrics). */
  queueWait?: QueueWait;
  /** The runtime's requests to the apiserver while the burst ran, per pod. */
  requestsPerPod: number;
  requestsPerPodByVerb: Record<string, number>;
  /** Every client's requests (scheduler, controller-manager, the bench's watch), per pod. */
  clusterRequestsPerPod: number;
  /** CPU the runtime used from the Deployment's creation until every pod ran. */
  cpuSeconds: number;
  cpuMsPerPod: number;
  peakRssMiB: number;
  /** Ours: CPU seconds ÷ the installed CPU limit, the least time the burst could take inside it. */
  cpuLimitFloorS?: number;
  /** Runs inside the installed limits: what the cgroup recorded. */
  withinLimits?: {
    cpu: string;
    memory: string;
    mechanism: string;
    oomKilled: boolean;
    /** Seconds the CPU quota held the runtime back. */
    throttledS: number;
    cgroupPeakMiB: number;
  };
  /** CPU seconds over the same time of the other processes (emulator, apiservers, etcd, …, bench). */
  otherCpuSeconds: Record<string, number>;
  /**
   * How busy the machine was: every measured process's CPU seconds ÷ the burst's seconds (2 on a
   * 2-core machine means both cores were busy throughout), the runtime's share of that CPU, and so
   * the most a runtime costing nothing could speed this burst up (total ÷ the others' CPU).
   */
  machine?: { coresBusy: number; runtimeCpuShare: number; speedupBound: number };
  /** Pods of a burst the runtime went through first, unmeasured (BENCH_WARMUP). */
  warmupPods?: number;
  /** The CCI emulator's CPU per pod, for runs through it. */
  emulatorCpuMsPerPod?: number;
}

export interface BurstTarget {
  namespace: string;
  label: string;
  runtime: StartedRuntime;
  nodeName: string;
  pods: number;
}

export interface BurstContext {
  side: 'ours' | 'upstream';
  limits: ContainerLimits;
  group?: LimitGroup;
  /** The separate emulator's process, for runs through it. */
  emulatorPid?: number;
}

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

/** The apiserver's request count so far, all clients (apiserver_request_total, summed). */
function clusterRequests(env: TestEnvironment): number {
  const { url, adminToken } = env.controlPlane.cluster;
  const text = execFileSync('curl', ['-sk', '-H', `Authorization: Bearer ${adminToken}`, `${url}/metrics`], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  let total = 0;
  for (const match of text.matchAll(/^apiserver_request_total\{[^}]*\} (\S+)$/gm)) total += Number(match[1]);
  return total;
}

const CONTROL_PLANE = [
  'etcd',
  'kube-apiserver',
  'cci-apiserver',
  'kube-scheduler',
  'kube-controller-manager',
  'cci-controller-manager',
];

/** CPU seconds so far of the processes beside the runtime, by name. */
function otherCpu(env: TestEnvironment, emulatorPid: number | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of CONTROL_PLANE) {
    const pid = env.controlPlane.process(name)?.pid;
    if (pid) out[name] = cpuSeconds(pid);
  }
  if (emulatorPid) out.emulator = cpuSeconds(emulatorPid);
  const own = process.cpuUsage();
  out.bench = (own.user + own.system) / 1e6;
  return out;
}

export async function burst(
  env: TestEnvironment,
  target: BurstTarget,
  context: BurstContext,
): Promise<RunFigures> {
  const { namespace, label, runtime, nodeName, pods } = target;
  const timing = await timePods(env, namespace);
  const clusterBefore = clusterRequests(env);
  const cpuBefore = cpuSeconds(runtime.pid);
  const othersBefore = otherCpu(env, context.emulatorPid);
  // Read as the burst goes: a process killed for memory has no /proc entry left to read at the end.
  let cpu = 0;
  let peakRss = 0;
  const sample = () => {
    if (runtime.exited()) return;
    try {
      cpu = cpuSeconds(runtime.pid) - cpuBefore;
      peakRss = peakRssMiB(runtime.pid);
    } catch {
      // gone between the check and the read
    }
  };
  const queueBefore = runtime.metricsUrl ? await readQueueWait(runtime.metricsUrl) : undefined;
  const startedAt = Date.now();
  const started = performance.now();
  try {
    await env.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'burst' },
        spec: {
          replicas: pods,
          selector: { matchLabels: { app: 'burst' } },
          template: {
            metadata: { labels: { app: 'burst' } },
            spec: {
              nodeSelector: { 'kubernetes.io/hostname': nodeName },
              tolerations: [{ key: PROVIDER_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }],
              containers: [
                { name: 'web', image: 'nginx:1.27', resources: { limits: { cpu: '250m', memory: '1Gi' } } },
              ],
            },
          },
        },
      },
    });
    // Upstream at client-go's defaults does about 3 pods/s: give every size room for that.
    let ticks = 0;
    await waitFor(
      `${pods} pods Running on ${label}`,
      () => {
        if (ticks++ % 10 === 0) sample();
        return Promise.resolve(timing.running.size >= pods || runtime.exited());
      },
      { timeoutMs: 300_000 + pods * 600, intervalMs: 50 },
    );
    sample();
    const elapsedMs = Math.round(performance.now() - started);
    const completed = timing.running.size >= pods;
    const othersAfter = otherCpu(env, context.emulatorPid);
    const otherCpuSeconds = Object.fromEntries(
      Object.entries(othersAfter).map(([name, s]) => [name, round(s - (othersBefore[name] ?? 0), 2)]),
    );
    const audit = burstAudit(env, nodeName, namespace, startedAt, Date.now());
    const own = audit.requests;
    const queueAfter = runtime.metricsUrl ? await readQueueWait(runtime.metricsUrl) : undefined;
    const queueWait = queueBefore && queueAfter ? queueWaitBetween(queueBefore, queueAfter) : undefined;
    const split = auditedSplits(timing, audit, startedAt - started);
    const { group, limits } = context;
    return {
      runtime: label,
      pods,
      completed,
      allRunningMs: completed ? elapsedMs : null,
      podsPerSecond: completed ? round((pods / elapsedMs) * 1000) : null,
      runningAtEnd: timing.running.size,
      bindToRunning: summarize([...timing.running].map(([uid, at]) => at - (timing.bound.get(uid) ?? at))),
      ...split,
      ...(queueWait ? { queueWait } : {}),
      requestsPerPod: round(own.total / pods, 2),
      requestsPerPodByVerb: Object.fromEntries(
        Object.entries(own.byVerb).map(([verb, n]) => [verb, round(n / pods, 2)]),
      ),
      clusterRequestsPerPod: round((clusterRequests(env) - clusterBefore) / pods),
      cpuSeconds: round(cpu, 2),
      cpuMsPerPod: round((cpu / pods) * 1000, 2),
      peakRssMiB: peakRss,
      ...(context.side === 'ours' ? { cpuLimitFloorS: round(cpu / limits.cpuCores, 1) } : {}),
      ...(group
        ? {
            withinLimits: {
              cpu: group.scope === 'memory' ? 'no limit' : limits.cpu,
              memory: limits.memory,
              mechanism: group.mechanism,
              oomKilled: group.oomKills() > 0,
              throttledS: round(group.throttledSeconds(), 1),
              cgroupPeakMiB: group.peakMemoryMiB(),
            },
          }
        : {}),
      otherCpuSeconds,
      ...(completed ? { machine: machineLoad(cpu, otherCpuSeconds, elapsedMs) } : {}),
      ...(otherCpuSeconds.emulator !== undefined
        ? { emulatorCpuMsPerPod: round((otherCpuSeconds.emulator / pods) * 1000, 2) }
        : {}),
    };
  } finally {
    await timing.stop();
  }
}

type AuditedSplits = Pick<
  RunFigures,
  'bindToStatusWrite' | 'statusWriteToRunning' | 'answeredBindToStatus' | 'benchSawBindLate'
>;

/** The figures that put the bench's times beside the audit log's, per pod the bench saw bound. */
function auditedSplits(
  timing: PodTiming,
  audit: BurstAudit,
  /** Date.now() − performance.now(), taken at the burst's start (not the process's: they drift). */
  wallMinusMonotonic: number,
): AuditedSplits {
  const samples = {
    toWrite: [] as number[],
    toRunning: [] as number[],
    answered: [] as number[],
    late: [] as number[],
  };
  for (const [uid, name] of timing.names) {
    // The bench's times are performance.now(); the audit log's are the wall clock, on this machine.
    const seenBound = (timing.bound.get(uid) ?? NaN) + wallMinusMonotonic;
    const running = timing.running.get(uid);
    const received = audit.statusWriteReceived.get(name);
    if (received !== undefined && running !== undefined) {
      samples.toWrite.push(received - seenBound);
      samples.toRunning.push(running + wallMinusMonotonic - received);
    }
    const bound = audit.bindingAnswered.get(name);
    if (bound === undefined) continue;
    samples.late.push(seenBound - bound);
    const answered = audit.statusWriteAnswered.get(name);
    if (answered !== undefined) samples.answered.push(answered - bound);
  }
  const series = (values: number[]) => (values.length > 0 ? summarize(values) : undefined);
  const figures: AuditedSplits = {
    bindToStatusWrite: series(samples.toWrite),
    statusWriteToRunning: series(samples.toRunning),
    answeredBindToStatus: series(samples.answered),
    benchSawBindLate: series(samples.late),
  };
  // Only the figures there are samples for (a JSON field left out, not undefined).
  return Object.fromEntries(Object.entries(figures).filter(([, v]) => v !== undefined));
}

/** RunFigures.machine: how much of the machine the burst used, and the runtime's part of it. */
function machineLoad(
  runtimeCpu: number,
  otherCpuSeconds: Record<string, number>,
  elapsedMs: number,
): NonNullable<RunFigures['machine']> {
  const others = Object.values(otherCpuSeconds).reduce((sum, s) => sum + s, 0);
  const total = runtimeCpu + others;
  return {
    coresBusy: round(total / (elapsedMs / 1000), 2),
    runtimeCpuShare: round(runtimeCpu / total, 2),
    speedupBound: round(total / others, 2),
  };
}
