// The chaos scenarios: faults injected at random (seeded) points, each followed by the invariant
// checks. Sizes are parameters: `npm run test:chaos` runs the full counts, CI a bounded few.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mergePatch } from '../../src/kube/merge-patch.js';
import { MANAGED_BY_LABEL } from '../../src/shared/names.js';
import { listReleases } from '../../src/addon/release-store.js';
import { vkctlEnvironment, type TestEnvironment } from '../env/environment.js';
import type { ProviderConfig } from '../../src/provider/config.js';
import { spawnProvider, type ProviderProcess } from '../env/provider-process.js';
import { testProviderConfig, virtualNodePodSpec } from '../env/provider.js';
import { releaseViolations, settledPodViolations } from './invariants.js';

export interface ChaosReport {
  scenario: string;
  cycles: number;
  faults: number;
  violations: string[];
}

/** A small seeded generator (mulberry32), so a failing run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (random: () => number, low: number, high: number) =>
  low + Math.floor(random() * (high - low + 1));

async function deployment(env: TestEnvironment, namespace: string, nodeName: string, replicas: number) {
  await env.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'chaos' },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'chaos' } },
        template: {
          metadata: { labels: { app: 'chaos' } },
          spec: virtualNodePodSpec(nodeName, { image: 'nginx:1.27' }),
        },
      },
    },
  });
}

const scale = (env: TestEnvironment, namespace: string, replicas: number) =>
  env.apps.patchNamespacedDeployment({ name: 'chaos', namespace, body: { spec: { replicas } } }, mergePatch);

/** A runtime for its own virtual node and a Deployment of 10 on it; cleaned up after `body`. */
async function withScalingWorkload(
  env: TestEnvironment,
  prefix: string,
  body: (workload: {
    nodeName: string;
    namespace: string;
    config: ProviderConfig;
    runtime: { current: ProviderProcess };
  }) => Promise<void>,
): Promise<void> {
  const nodeName = `vk-chaos-${randomBytes(3).toString('hex')}`;
  const namespace = await env.createNamespace(prefix);
  const config = testProviderConfig(env, nodeName);
  const runtime = { current: await spawnProvider(config, vkctlEnvironment(env), 'warn') };
  try {
    await deployment(env, namespace, nodeName, 10);
    await body({ nodeName, namespace, config, runtime });
  } finally {
    await env.apps.deleteNamespacedDeployment({ name: 'chaos', namespace }).catch(() => undefined);
    await runtime.current.process.stop();
    await env.core.deleteNode({ name: nodeName }).catch(() => undefined);
  }
}

/**
 * Cycles of: scale to a random size, wait a random moment, inject `fault`, then check the
 * invariants once the pods settle.
 */
async function scalingCycles(
  env: TestEnvironment,
  random: () => number,
  report: ChaosReport,
  cycles: number,
  prefix: string,
  fault: (workload: Parameters<Parameters<typeof withScalingWorkload>[2]>[0]) => Promise<number>,
): Promise<ChaosReport> {
  await withScalingWorkload(env, prefix, async (workload) => {
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const replicas = between(random, 5, 25);
      await scale(env, workload.namespace, replicas);
      await sleep(between(random, 0, 1500));
      report.faults += await fault(workload);
      const violations = await settledPodViolations({ env, ...workload, replicas });
      report.violations.push(...violations.map((v) => `cycle ${cycle}: ${v}`));
      report.cycles++;
    }
  });
  return report;
}

/** The runtime SIGKILLed at random points of a scaling workload, sometimes with a pod force-deleted while it is down. */
export function runtimeKills(
  env: TestEnvironment,
  random: () => number,
  cycles: number,
): Promise<ChaosReport> {
  const report: ChaosReport = { scenario: 'runtime SIGKILL', cycles: 0, faults: 0, violations: [] };
  return scalingCycles(env, random, report, cycles, 'chaos-kill', async ({ namespace, config, runtime }) => {
    let faults = 1;
    await runtime.current.process.kill();
    const [victim] = random() < 0.5 ? (await env.core.listNamespacedPod({ namespace })).items : [];
    if (victim) {
      await env.core
        .deleteNamespacedPod({
          name: victim.metadata?.name ?? '',
          namespace,
          body: { gracePeriodSeconds: 0 },
        })
        .catch(() => undefined);
      faults++;
    }
    runtime.current = await spawnProvider(config, vkctlEnvironment(env), 'warn');
    return faults;
  });
}

/** The cluster's kube-apiserver restarted (down for 1-3 s) while a workload scales onto the virtual node. */
export function apiserverRestarts(
  env: TestEnvironment,
  random: () => number,
  cycles: number,
): Promise<ChaosReport> {
  const report: ChaosReport = { scenario: 'kube-apiserver restart', cycles: 0, faults: 0, violations: [] };
  return scalingCycles(env, random, report, cycles, 'chaos-apiserver', async () => {
    await env.controlPlane.cluster.restart(between(random, 1000, 3000));
    return 1;
  });
}

/** CCI answering 429, 503 or too slowly (past the client's timeout) for a while, switching at random, while the workload scales. */
export async function cciFaultWindow(
  env: TestEnvironment,
  random: () => number,
  seconds: number,
): Promise<ChaosReport> {
  const report: ChaosReport = { scenario: 'CCI 429/5xx/timeouts', cycles: 0, faults: 0, violations: [] };
  await withScalingWorkload(env, 'chaos-cci', async ({ nodeName, namespace }) => {
    let fault: { remove(): void; readonly hits: number } | undefined;
    // A fault counts once a request has met it, not when it is set up.
    const endFault = () => {
      if (fault && fault.hits > 0) report.faults++;
      fault?.remove();
      fault = undefined;
    };
    try {
      let replicas = 10;
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end) {
        endFault();
        const kind = between(random, 0, 2);
        fault = env.emulator.faults.add(
          kind === 0
            ? { service: 'cci', status: 429 }
            : kind === 1
              ? { service: 'cci', status: 503 }
              : { service: 'cci', method: 'POST', latencyMs: 11_000 },
        );
        replicas = between(random, 5, 20);
        await scale(env, namespace, replicas);
        await sleep(2000);
        report.cycles++;
      }
      endFault();
      report.violations.push(...(await settledPodViolations({ env, nodeName, namespace, replicas })));
    } finally {
      fault?.remove();
    }
  });
  return report;
}

const bin = new URL('../../bin/run.js', import.meta.url).pathname;

/** Runs the CLI, SIGKILLing it after `killAfterMs` (if it is still running); resolves with its exit code. */
function cliKilledAfter(
  args: string[],
  env: Record<string, string>,
  killAfterMs?: number,
): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The add-on's namespaced objects (those labelled as managed by vkctl) still in `namespace`. */
async function managedObjectsLeft(env: TestEnvironment, namespace: string): Promise<number> {
  const query = { namespace, labelSelector: `${MANAGED_BY_LABEL}=vkctl` };
  const lists = await Promise.all([
    env.core.listNamespacedServiceAccount(query),
    env.core.listNamespacedConfigMap(query),
    env.core.listNamespacedSecret(query),
    env.core.listNamespacedService(query),
    env.apps.listNamespacedDeployment(query),
  ]);
  return lists.reduce((sum, list) => sum + list.items.length, 0);
}

/** install SIGKILLed at a random point and run again; then uninstall interrupted and run again. */
export async function installKills(
  env: TestEnvironment,
  random: () => number,
  cycles: number,
): Promise<ChaosReport> {
  const report: ChaosReport = { scenario: 'install/uninstall SIGKILL', cycles: 0, faults: 0, violations: [] };
  const settings = vkctlEnvironment(env);
  // How long install and uninstall ran when not killed (first guesses: measured here, 1.4-1.8 s and
  // 1.2 s); each run again after a kill sets the next.
  let installMs = 1300;
  let uninstallMs = 1100;
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const namespace = await env.createNamespace('chaos-install');
    const install = [
      'install',
      '-n',
      namespace,
      '--no-wait',
      '--skip-checks',
      '--node-name',
      `vk-${namespace}`,
    ];
    // A fault only when the kill came before the command ended (a killed process has no exit code).
    // The kill point is drawn within the last full run's length, so that it mostly lands.
    if ((await cliKilledAfter(install, settings, between(random, 0, installMs))) === null) report.faults++;
    let started = Date.now();
    const rerun = await cliKilledAfter(install, settings);
    installMs = Math.round((Date.now() - started) * 0.9);
    if (rerun !== 0) report.violations.push(`cycle ${cycle}: install after a killed install exited ${rerun}`);
    report.violations.push(...(await releaseViolations(env, namespace)).map((v) => `cycle ${cycle}: ${v}`));
    const uninstall = ['uninstall', '-n', namespace, '--yes'];
    if ((await cliKilledAfter(uninstall, settings, between(random, 0, uninstallMs))) === null)
      report.faults++;
    started = Date.now();
    const again = await cliKilledAfter(uninstall, settings);
    uninstallMs = Math.round((Date.now() - started) * 0.9);
    const releases = await listReleases(env.core, namespace);
    const left = await managedObjectsLeft(env, namespace);
    if (releases.length > 0 || left > 0)
      report.violations.push(
        `cycle ${cycle}: after uninstall (exit ${again}): ${releases.length} release record(s), ${left} object(s) left`,
      );
    report.cycles++;
  }
  return report;
}
