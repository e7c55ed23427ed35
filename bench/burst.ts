// 1,000 pods of one Deployment bound to the virtual node: how long until all run on (emulated) CCI,
// each pod's time from bound to Running, and the runtime's peak memory. The runtime runs as its
// own process (`vkctl provider run`, as installed), so its RSS is its own; times are taken from one
// watch in this process (the apiserver's timestamps have only whole seconds). The emulated CCI
// starts a pod 100 ms after accepting it, which is part of every bind-to-Running time.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { startInformer } from '../src/kube/informer.js';
import { PROVIDER_TAINT } from '../src/provider/node.js';
import type { TestEnvironment } from '../test/env/environment.js';
import { vkctlEnvironment } from '../test/env/environment.js';
import { testProviderConfig } from '../test/env/provider.js';
import { spawnProvider } from '../test/env/provider-process.js';
import { waitFor } from '../test/env/wait.js';
import { summarize, type Series } from './stats.js';

export interface BurstResult {
  /** Bind-to-Running of 20 pods created one after another (each waits for the one before). */
  lonePod: Series;
  pods: number;
  allRunningMs: number;
  bindToRunning: Series;
  runtimePeakRssMiB: number;
  /** Mean time the emulated CCI took to answer a pod creation, seen by the runtime. */
  cciCreateMeanMs: number;
  targetP99Ms: number;
  meetsTarget: boolean;
}

/** Peak resident set size of a process, from Linux's /proc (VmHWM). */
function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return Math.round(kib / 1024);
}

export async function benchBurst(env: TestEnvironment, pods = 1000): Promise<BurstResult> {
  const nodeName = `vk-bench-${randomBytes(3).toString('hex')}`;
  const runtime = await spawnProvider(testProviderConfig(env, nodeName), vkctlEnvironment(env), 'warn');
  const ns = await env.createNamespace('bench');
  const bound = new Map<string, number>();
  const running = new Map<string, number>();
  let bursting = false;
  const seen = (pod: V1Pod) => {
    if (bursting && pod.metadata?.labels?.app !== 'burst') return; // a lone pod from before
    const uid = pod.metadata?.uid ?? '';
    const now = performance.now();
    if (pod.spec?.nodeName && !bound.has(uid)) bound.set(uid, now);
    if (pod.status?.phase === 'Running' && !running.has(uid)) running.set(uid, now);
  };
  // An informer, not a bare watch: it lists again after a dropped watch, so no pod is missed.
  const informer = startInformer<V1Pod>(
    env.kc,
    `/api/v1/namespaces/${ns}/pods`,
    () => env.core.listNamespacedPod({ namespace: ns }),
    { add: seen, update: seen },
  );
  await informer.synced;
  const spec = {
    nodeSelector: { 'kubernetes.io/hostname': nodeName },
    tolerations: [{ key: PROVIDER_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }],
    containers: [{ name: 'web', image: 'nginx:1.27', resources: { limits: { cpu: '250m', memory: '1Gi' } } }],
  };
  try {
    // First one pod at a time: the latency of the path itself, with nothing queued.
    const lone: number[] = [];
    for (let i = 0; i < 20; i++) {
      const pod = await env.core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: `lone-${i}` }, spec },
      });
      const uid = pod.metadata?.uid ?? '';
      await waitFor('a lone pod Running', () => Promise.resolve(running.has(uid)), { intervalMs: 5 });
      lone.push((running.get(uid) ?? 0) - (bound.get(uid) ?? 0));
    }
    const lonePod = summarize(lone);
    bursting = true;
    bound.clear();
    running.clear();
    const started = performance.now();
    await env.apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'burst' },
        spec: {
          replicas: pods,
          selector: { matchLabels: { app: 'burst' } },
          template: { metadata: { labels: { app: 'burst' } }, spec },
        },
      },
    });
    await waitFor(`${pods} pods Running`, () => Promise.resolve(running.size >= pods), {
      timeoutMs: 600_000,
      intervalMs: 50,
    });
    const allRunningMs = Math.round(performance.now() - started);
    const samples = [...running].map(([uid, at]) => at - (bound.get(uid) ?? at));
    const bindToRunning = summarize(samples);
    const runtimePeakRssMiB = peakRssMiB(runtime.process.pid ?? 0);
    // From the runtime's own /metrics: how long CCI took to accept each pod (the emulated CCI).
    const metrics = await (await fetch(`http://127.0.0.1:${runtime.healthPort}/metrics`)).text();
    const cciCreate = (what: 'sum' | 'count') =>
      Number(
        new RegExp(
          `^vkctl_cci_request_duration_seconds_${what}\\{service="cci",method="POST",status="201"\\} (\\S+)`,
          'm',
        ).exec(metrics)?.[1] ?? NaN,
      );
    const cciCreateMeanMs = Math.round((cciCreate('sum') / cciCreate('count')) * 1000);
    return {
      lonePod,
      pods,
      allRunningMs,
      bindToRunning,
      runtimePeakRssMiB,
      cciCreateMeanMs,
      targetP99Ms: 1000,
      meetsTarget: bindToRunning.p99Ms <= 1000,
    };
  } finally {
    await informer.stop();
    await runtime.process.stop();
    await env.apps.deleteNamespacedDeployment({ name: 'burst', namespace: ns }).catch(() => undefined);
    await env.core.deleteNode({ name: nodeName }).catch(() => undefined);
  }
}
