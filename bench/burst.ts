// 1,000 pods of one Deployment bound to the virtual node: how long until all run on (emulated) CCI,
// each pod's time from bound to Running, and the runtime's peak memory. The runtime runs as its
// own process (`vkctl provider run`, as installed), so its RSS is its own; times are taken from one
// watch in this process (the apiserver's timestamps have only whole seconds). The emulated CCI
// starts a pod 100 ms after accepting it, which is part of every bind-to-Running time.
import { randomBytes } from 'node:crypto';
import { PROVIDER_TAINT } from '../src/provider/node.js';
import type { TestEnvironment } from '../test/env/environment.js';
import { vkctlEnvironment } from '../test/env/environment.js';
import { testProviderConfig } from '../test/env/provider.js';
import { spawnProvider } from '../test/env/provider-process.js';
import { waitFor } from '../test/env/wait.js';
import { clearBurst } from './clear-burst.js';
import { timePods } from './pod-timing.js';
import { peakRssMiB } from './process-stats.js';
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

export async function benchBurst(env: TestEnvironment, pods = 1000): Promise<BurstResult> {
  const nodeName = `vk-bench-${randomBytes(3).toString('hex')}`;
  const runtime = await spawnProvider(testProviderConfig(env, nodeName), vkctlEnvironment(env), 'warn');
  const ns = await env.createNamespace('bench');
  const timing = await timePods(env, ns);
  const { bound, running } = timing;
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
    timing.only('burst');
    timing.clear();
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
    await timing.stop();
    await runtime.process.stop();
    await clearBurst(env, ns);
    await env.core.deleteNode({ name: nodeName }).catch(() => undefined);
  }
}
