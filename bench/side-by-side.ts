// vkctl's runtime against upstream virtual-kubelet on the same control plane, through the same
// bursts: N pods of one Deployment bound to each one's virtual node. Upstream is its Go library with
// an in-memory provider that reports pods Running at once (bench/upstream-vk), at client-go's
// default QPS (5, burst 10) and with the limit raised (vkctl's client has none). Ours goes through
// the CCI emulator, which starts a pod 100 ms after accepting it: ours carries that cost, upstream
// does not. Figures per run: pods/s to Running, p50/p99 bind-to-Running, the runtime's CPU seconds
// and peak RSS, and the apiserver's requests per pod (all clients: scheduler and controllers alike).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROVIDER_TAINT } from '../src/provider/node.js';
import { vkctlEnvironment, type TestEnvironment } from '../test/env/environment.js';
import { spawnProvider } from '../test/env/provider-process.js';
import { testProviderConfig } from '../test/env/provider.js';
import { waitFor } from '../test/env/wait.js';
import { timePods } from './pod-timing.js';
import { cpuSeconds, peakRssMiB } from './process-stats.js';
import { summarize, type Series } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Runtime {
  pid: number;
  stop(): Promise<void>;
}

export interface RunFigures {
  runtime: string;
  pods: number;
  allRunningMs: number;
  podsPerSecond: number;
  bindToRunning: Series;
  cpuSeconds: number;
  peakRssMiB: number;
  apiserverRequestsPerPod: number;
}

/** The apiserver's request count so far (apiserver_request_total, summed). */
function apiserverRequests(env: TestEnvironment): number {
  const { url, adminToken } = env.controlPlane.cluster;
  const text = execFileSync('curl', ['-sk', '-H', `Authorization: Bearer ${adminToken}`, `${url}/metrics`], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  let total = 0;
  for (const match of text.matchAll(/^apiserver_request_total\{[^}]*\} (\S+)$/gm)) total += Number(match[1]);
  return total;
}

async function startOurs(env: TestEnvironment, nodeName: string): Promise<Runtime> {
  const runtime = await spawnProvider(testProviderConfig(env, nodeName), vkctlEnvironment(env), 'warn');
  return { pid: runtime.process.pid ?? 0, stop: () => runtime.process.stop() };
}

async function startUpstream(env: TestEnvironment, nodeName: string, raised: boolean): Promise<Runtime> {
  const lines = execFileSync('bash', [path.join(here, 'upstream-vk', 'build.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n');
  const binary = lines[lines.length - 1] ?? '';
  const args = ['--kubeconfig', env.controlPlane.cluster.adminKubeconfigPath, '--node-name', nodeName];
  if (raised) args.push('--qps', '1000', '--burst', '2000');
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('upstream virtual-kubelet to be ready', () =>
    Promise.resolve(out.includes('upstream-vk ready')),
  );
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function burst(env: TestEnvironment, label: string, runtime: Runtime, nodeName: string, pods: number) {
  const namespace = await env.createNamespace('side-by-side');
  const timing = await timePods(env, namespace);
  const before = apiserverRequests(env);
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
    await waitFor(`${pods} pods Running on ${label}`, () => Promise.resolve(timing.running.size >= pods), {
      timeoutMs: 1_200_000,
      intervalMs: 50,
    });
    const allRunningMs = Math.round(performance.now() - started);
    const requests = apiserverRequests(env) - before;
    return {
      runtime: label,
      pods,
      allRunningMs,
      podsPerSecond: Math.round((pods / allRunningMs) * 1000 * 10) / 10,
      bindToRunning: summarize([...timing.running].map(([uid, at]) => at - (timing.bound.get(uid) ?? at))),
      cpuSeconds: cpuSeconds(runtime.pid),
      peakRssMiB: peakRssMiB(runtime.pid),
      apiserverRequestsPerPod: Math.round((requests / pods) * 10) / 10,
    };
  } finally {
    await timing.stop();
    await env.apps.deleteNamespacedDeployment({ name: 'burst', namespace }).catch(() => undefined);
  }
}

/** One runtime, fresh for each size, through each burst size. */
async function series(
  env: TestEnvironment,
  label: string,
  start: (node: string) => Promise<Runtime>,
  sizes: number[],
) {
  const figures: RunFigures[] = [];
  for (const pods of sizes) {
    const nodeName = `vk-side-${randomBytes(3).toString('hex')}`;
    const runtime = await start(nodeName);
    try {
      figures.push(await burst(env, label, runtime, nodeName, pods));
    } finally {
      await runtime.stop();
      await env.core.deleteNode({ name: nodeName }).catch(() => undefined);
    }
  }
  return figures;
}

export async function benchSideBySide(env: TestEnvironment, sizes: number[]) {
  const ours = await series(env, 'vkctl (CCI emulator)', (node) => startOurs(env, node), sizes);
  const upstreamDefault = await series(
    env,
    'upstream, client-go defaults',
    (node) => startUpstream(env, node, false),
    sizes,
  );
  const upstreamRaised = await series(
    env,
    'upstream, QPS raised',
    (node) => startUpstream(env, node, true),
    sizes,
  );
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratios = (against: RunFigures[]) =>
    ours.map((o, i) => {
      const u = against[i];
      return u
        ? {
            pods: o.pods,
            podsPerSecond: ratio(o.podsPerSecond, u.podsPerSecond),
            p50: ratio(o.bindToRunning.medianMs, u.bindToRunning.medianMs),
            p99: ratio(o.bindToRunning.p99Ms, u.bindToRunning.p99Ms),
            cpuSeconds: ratio(o.cpuSeconds, u.cpuSeconds),
            peakRss: ratio(o.peakRssMiB, u.peakRssMiB),
            apiserverRequestsPerPod: ratio(o.apiserverRequestsPerPod, u.apiserverRequestsPerPod),
          }
        : undefined;
    });
  return {
    note: 'ratios are ours/upstream; ours runs through the CCI emulator (100 ms start per pod), upstream through an in-memory provider',
    ours,
    upstreamDefault,
    upstreamRaised,
    oursOverUpstreamDefault: ratios(upstreamDefault),
    oursOverUpstreamRaised: ratios(upstreamRaised),
  };
}
