// vkctl's runtime against upstream virtual-kubelet on the same control plane, through the same
// bursts: N pods of one Deployment bound to each one's virtual node (runtimes.ts says which
// runtimes). Figures per run: pods/s to Running, p50/p99 bind-to-Running, the runtime's own
// apiserver requests per pod (its audited user's, audit.ts) and the whole cluster's (scheduler and
// controllers too), the runtime's CPU seconds during the burst and its peak RSS. Each run has a
// fresh runtime and node; afterwards its pods are force-deleted, in the cluster and in CCI, so the
// next run starts from an idle control plane.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PROVIDER_TAINT } from '../src/provider/node.js';
import { auditedKubeconfig, auditedRequests } from '../test/env/audit.js';
import type { TestEnvironment } from '../test/env/environment.js';
import { waitFor } from '../test/env/wait.js';
import { clearBurst } from './clear-burst.js';
import { timePods } from './pod-timing.js';
import { cpuSeconds, peakRssMiB } from './process-stats.js';
import { RUNTIMES, type BenchRuntime, type StartedRuntime } from './runtimes.js';
import { summarize, type Series } from './stats.js';

export interface RunFigures {
  runtime: string;
  pods: number;
  allRunningMs: number;
  podsPerSecond: number;
  bindToRunning: Series;
  /** The runtime's requests to the apiserver while the burst ran, per pod. */
  requestsPerPod: number;
  requestsPerPodByVerb: Record<string, number>;
  /** Every client's requests (scheduler, controller-manager, the bench's watch), per pod. */
  clusterRequestsPerPod: number;
  /** CPU the runtime used from the Deployment's creation until every pod ran. */
  cpuSeconds: number;
  peakRssMiB: number;
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

async function burst(
  env: TestEnvironment,
  namespace: string,
  label: string,
  runtime: StartedRuntime,
  nodeName: string,
  pods: number,
): Promise<RunFigures> {
  const timing = await timePods(env, namespace);
  const clusterBefore = clusterRequests(env);
  const cpuBefore = cpuSeconds(runtime.pid);
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
    await waitFor(`${pods} pods Running on ${label}`, () => Promise.resolve(timing.running.size >= pods), {
      timeoutMs: 300_000 + pods * 600,
      intervalMs: 50,
    });
    const allRunningMs = Math.round(performance.now() - started);
    const cpu = cpuSeconds(runtime.pid) - cpuBefore;
    const own = auditedRequests(env, nodeName, startedAt, Date.now());
    return {
      runtime: label,
      pods,
      allRunningMs,
      podsPerSecond: round((pods / allRunningMs) * 1000),
      bindToRunning: summarize([...timing.running].map(([uid, at]) => at - (timing.bound.get(uid) ?? at))),
      requestsPerPod: round(own.total / pods, 2),
      requestsPerPodByVerb: Object.fromEntries(
        Object.entries(own.byVerb).map(([verb, n]) => [verb, round(n / pods, 2)]),
      ),
      clusterRequestsPerPod: round((clusterRequests(env) - clusterBefore) / pods),
      cpuSeconds: round(cpu, 2),
      peakRssMiB: peakRssMiB(runtime.pid),
    };
  } finally {
    await timing.stop();
  }
}

/** One runtime, fresh for each size, through each burst size. */
async function series(env: TestEnvironment, runtime: BenchRuntime, sizes: number[]): Promise<RunFigures[]> {
  const figures: RunFigures[] = [];
  for (const pods of sizes) {
    const nodeName = `vk-side-${randomBytes(3).toString('hex')}`;
    const started = await runtime.start(env, nodeName, await auditedKubeconfig(env, nodeName));
    const namespace = await env.createNamespace('side-by-side');
    try {
      figures.push(await burst(env, namespace, runtime.label, started, nodeName, pods));
      console.error(`side-by-side: ${runtime.label}, ${pods} pods: ${figures.at(-1)?.podsPerSecond} pods/s`);
    } finally {
      await started.stop();
      await clearBurst(env, namespace);
      await env.core.deleteNode({ name: nodeName }).catch(() => undefined);
    }
  }
  return figures;
}

type Ratios = Record<'podsPerSecond' | 'p50' | 'p99' | 'requestsPerPod' | 'cpuSeconds' | 'peakRss', number>;

/** ours/upstream for each figure (above 1 is more: better for pods/s, worse for the others). */
function ratios(ours: RunFigures, upstream: RunFigures): Ratios {
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

export async function benchSideBySide(env: TestEnvironment, sizes: number[]) {
  const runs = new Map<BenchRuntime, RunFigures[]>();
  for (const runtime of RUNTIMES) runs.set(runtime, await series(env, runtime, sizes));
  const comparisons = [];
  for (const [ours, oursRuns] of runs) {
    if (ours.side !== 'ours') continue;
    for (const [upstream, upstreamRuns] of runs) {
      if (upstream.side !== 'upstream') continue;
      for (const [i, pods] of sizes.entries()) {
        const [o, u] = [oursRuns[i], upstreamRuns[i]];
        if (o && u) comparisons.push({ ours: ours.label, upstream: upstream.label, pods, ...ratios(o, u) });
      }
    }
  }
  return {
    note: 'ratios are ours/upstream; "vkctl, CCI emulator" includes the emulator (a pod starts 100 ms after CCI accepts it); the in-memory runs have no CCI cost',
    runs: [...runs.values()].flat(),
    ratios: comparisons,
  };
}

/** The README's table: one row per run, then ours/upstream per figure. */
export function sideBySideMarkdown(result: Awaited<ReturnType<typeof benchSideBySide>>): string {
  const lines = [
    '| pods | runtime | pods/s | p50 / p99 bind-to-Running | requests/pod | CPU s | peak RSS MiB |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const seconds = (ms: number) => `${round(ms / 1000, 2)} s`;
  for (const r of [...result.runs].sort((a, b) => a.pods - b.pods))
    lines.push(
      `| ${r.pods} | ${r.runtime} | ${r.podsPerSecond} | ${seconds(r.bindToRunning.medianMs)} / ${seconds(r.bindToRunning.p99Ms)} | ${r.requestsPerPod} | ${r.cpuSeconds} | ${r.peakRssMiB} |`,
    );
  lines.push(
    '',
    '| pods | ours / upstream | pods/s | p50 | p99 | requests/pod | CPU s | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const c of [...result.ratios].sort((a, b) => a.pods - b.pods))
    lines.push(
      `| ${c.pods} | ${c.ours} / ${c.upstream} | ×${c.podsPerSecond} | ×${c.p50} | ×${c.p99} | ×${c.requestsPerPod} | ×${c.cpuSeconds} | ×${c.peakRss} |`,
    );
  return lines.join('\n');
}
