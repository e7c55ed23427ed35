// vkctl's runtime against upstream virtual-kubelet on the same control plane, through the same
// bursts: N pods of one Deployment bound to each one's virtual node (runtimes.ts says which
// runtimes). Figures per run: pods/s to Running, p50/p99 bind-to-Running, the runtime's own
// apiserver requests per pod (its audited user's, audit.ts) and the whole cluster's (scheduler and
// controllers too), the runtime's CPU seconds during the burst and its peak RSS, and the CPU seconds
// of everything else on the machine that took part (the CCI emulator, apiservers, etcd, scheduler,
// controller-managers, this process). Runs inside the installed limits also report whether the
// runtime was OOM-killed and how long its CPU quota held it back. Each run has a fresh runtime and
// node; afterwards its pods are force-deleted, in the cluster and in CCI, so the next run starts
// from an idle control plane. Runs through the emulator start it as its own process
// (separate-emulator.ts), which stops the test environment's in-process emulator's pod runtime.
import { randomBytes } from 'node:crypto';
import { auditedKubeconfig } from '../test/env/audit.js';
import type { TestEnvironment } from '../test/env/environment.js';
import { clearBurst } from './clear-burst.js';
import { installedLimits, limitGroup, type ContainerLimits, type LimitGroup } from './limits.js';
import { burst, type RunFigures } from './side-by-side-burst.js';
import { selectedRuntimes, type BenchRuntime } from './runtimes.js';
import { startSeparateEmulator, type SeparateEmulator } from './separate-emulator.js';

export type { RunFigures } from './side-by-side-burst.js';

/** BENCH_WARMUP: pods of a burst each runtime goes through before the one measured (0: none). */
const warmupPods = () => Number(process.env.BENCH_WARMUP ?? 0);

/** One runtime, fresh for each size, through each burst size. */
async function series(
  env: TestEnvironment,
  runtime: BenchRuntime,
  sizes: number[],
  limits: ContainerLimits,
  emulator: () => Promise<SeparateEmulator>,
): Promise<RunFigures[]> {
  const figures: RunFigures[] = [];
  for (const pods of sizes) {
    const nodeName = `vk-side-${randomBytes(3).toString('hex')}`;
    let group: LimitGroup | undefined;
    if (runtime.limited) {
      const made = limitGroup(`vkctl-bench-${nodeName}`, limits, runtime.limited);
      if ('unavailable' in made) throw new Error(`no cgroup for ${runtime.label}: ${made.unavailable}`);
      group = made;
    }
    const separate = runtime.throughEmulator ? await emulator() : undefined;
    try {
      const started = await runtime.start({
        env,
        nodeName,
        kubeconfig: await auditedKubeconfig(env, nodeName),
        emulator: separate,
        launcher: group?.launcher,
      });
      const context = { side: runtime.side, limits, group, emulatorPid: separate?.pid };
      const warmup = warmupPods();
      if (warmup > 0) {
        // The same runtime through a small burst first, figures dropped: what follows is its
        // steady state, not its first requests (JIT compilation, new connections).
        const warmNamespace = await env.createNamespace('side-by-side-warmup');
        try {
          await burst(
            env,
            { namespace: warmNamespace, label: runtime.label, runtime: started, nodeName, pods: warmup },
            context,
          );
        } finally {
          await clearBurst(env, warmNamespace, separate?.cciNamespace);
        }
      }
      const namespace = await env.createNamespace('side-by-side');
      try {
        figures.push({
          ...(await burst(
            env,
            { namespace, label: runtime.label, runtime: started, nodeName, pods },
            context,
          )),
          ...(warmup > 0 ? { warmupPods: warmup } : {}),
        });
        const last = figures.at(-1);
        console.error(
          `side-by-side: ${runtime.label}, ${pods} pods: ${last?.podsPerSecond ?? 'not all Running'} pods/s, ${last?.cpuSeconds} CPU s`,
        );
        // The whole run's figures too, one line: the results file is written only at the end, and
        // an hour's runs should not be lost to a later one failing.
        console.error(`side-by-side figures: ${JSON.stringify(last)}`);
      } finally {
        await started.stop();
        await clearBurst(env, namespace, separate?.cciNamespace);
        await env.core.deleteNode({ name: nodeName }).catch(() => undefined);
      }
    } finally {
      group?.remove();
    }
  }
  return figures;
}

type Ratios = Record<'podsPerSecond' | 'p50' | 'p99' | 'requestsPerPod' | 'cpuSeconds' | 'peakRss', number>;

/** ours/upstream for each figure (above 1 is more: better for pods/s, worse for the others). */
function ratios(ours: RunFigures, upstream: RunFigures): Ratios | undefined {
  if (ours.podsPerSecond === null || upstream.podsPerSecond === null) return undefined;
  const ratio = (a: number, b: number) => Number((a / b).toPrecision(2));
  return {
    podsPerSecond: ratio(ours.podsPerSecond, upstream.podsPerSecond),
    p50: ratio(ours.bindToRunning.medianMs, upstream.bindToRunning.medianMs),
    p99: ratio(ours.bindToRunning.p99Ms, upstream.bindToRunning.p99Ms),
    requestsPerPod: ratio(ours.requestsPerPod, upstream.requestsPerPod),
    cpuSeconds: ratio(ours.cpuSeconds, upstream.cpuSeconds),
    peakRss: ratio(ours.peakRssMiB, upstream.peakRssMiB),
  };
}

export async function benchSideBySide(env: TestEnvironment, sizes: number[], runtimes = selectedRuntimes()) {
  const limits = installedLimits();
  let separate: Promise<SeparateEmulator> | undefined;
  const emulator = () => (separate ??= startSeparateEmulator(env));
  // Whether this machine lets the bench make a cgroup; if not, the limited runs are left out and
  // every run of ours still reports its throttled floor (cpuLimitFloorS).
  const probe = limitGroup('vkctl-bench-probe', limits);
  const limitsUnavailable = 'unavailable' in probe ? probe.unavailable : undefined;
  if (!('unavailable' in probe)) probe.remove();
  else console.error(`side-by-side: the runs within limits are left out: ${probe.unavailable}`);
  const runs = new Map<BenchRuntime, RunFigures[]>();
  try {
    for (const runtime of runtimes)
      if (!runtime.limited || !limitsUnavailable)
        runs.set(runtime, await series(env, runtime, sizes, limits, emulator));
  } finally {
    await (await separate?.catch(() => undefined))?.stop();
  }
  const comparisons = [];
  for (const [ours, oursRuns] of runs) {
    if (ours.side !== 'ours') continue;
    for (const [upstream, upstreamRuns] of runs) {
      if (upstream.side !== 'upstream') continue;
      for (const pods of sizes) {
        const o = oursRuns.find((r) => r.pods === pods);
        const u = upstreamRuns.find((r) => r.pods === pods);
        const r = o && u ? ratios(o, u) : undefined;
        if (r) comparisons.push({ ours: ours.label, upstream: upstream.label, pods, ...r });
      }
    }
  }
  return {
    note: 'ratios are ours/upstream; "vkctl, CCI emulator" includes the emulator (a pod starts 100 ms after CCI accepts it; the emulator runs as its own process, its CPU in otherCpuSeconds.emulator); the in-memory runs have no CCI cost; "within limits" runs run inside a cgroup with the installed CPU and memory limits; cpuLimitFloorS is CPU seconds ÷ the CPU limit, the least time the burst could take inside the quota',
    limits: { ...limits, mechanism: 'mechanism' in probe ? probe.mechanism : undefined },
    ...(limitsUnavailable ? { limitsUnavailable } : {}),
    runs: [...runs.values()].flat(),
    ratios: comparisons,
  };
}

export { sideBySideMarkdown } from './side-by-side-table.js';
