// The local sandbox, the README's main job: no cloud account needed.
//   tsx test/env/sandbox/cli.ts up     (npm run sandbox)       start it and show a burst
//   tsx test/env/sandbox/cli.ts down   (npm run sandbox:down)  stop everything it started
// `up` starts the control plane, two small fake workers and the Huawei Cloud emulator in the
// background; installs the add-on with `vkctl install --interconnect`; runs the runtime from its
// image (npm run image, unpacked and run under chroot) as the installed Deployment describes it;
// deploys a sample Deployment labelled localPrefer, scales it past what the workers hold, and
// prints where each pod runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { DEFAULT_NAMESPACE, DEFAULT_NODE_NAME } from '../../../src/shared/names.js';
import { runVkctl } from '../run-cli.js';
import { waitFor } from '../wait.js';
import { buildImage } from './image.js';
import { startInstalledRuntime } from './installed-runtime.js';
import { isAlive, SANDBOX_WORKERS, sandboxDir, type SandboxEnvironment, type SandboxState } from './state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLE = { namespace: 'default', name: 'demo', replicas: 12, cpu: '500m', memory: '1Gi' };

const stateFile = (dir: string) => path.join(dir, 'state.json');

function readState(dir: string): SandboxState | undefined {
  return existsSync(stateFile(dir))
    ? (JSON.parse(readFileSync(stateFile(dir), 'utf8')) as SandboxState)
    : undefined;
}

function step(text: string): void {
  console.log(`• ${text}`);
}

async function startEnvironment(dir: string): Promise<SandboxEnvironment> {
  const envFile = path.join(dir, 'environment.json');
  rmSync(envFile, { force: true });
  const logPath = path.join(dir, 'environment.log');
  const log = openSync(logPath, 'a');
  const daemon = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'daemon.ts'), dir], {
    stdio: ['ignore', log, log],
    detached: true,
  });
  daemon.unref();
  const deadline = Date.now() + 180_000;
  while (!existsSync(envFile)) {
    if (!isAlive(daemon.pid) || Date.now() > deadline) {
      const tail = readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
      throw new Error(`the sandbox environment did not start (log ${logPath}):\n${tail}`);
    }
    await sleep(250);
  }
  return JSON.parse(readFileSync(envFile, 'utf8')) as SandboxEnvironment;
}

function placement(pods: V1Pod[], virtualNode: string): string {
  const rows = pods
    .map((p) => [
      p.metadata?.name ?? '',
      p.spec?.nodeName ?? '(pending)',
      p.status?.phase ?? '',
      p.status?.podIP ?? '',
      p.spec?.nodeName === virtualNode ? 'CCI (virtual node)' : 'CCE worker',
    ])
    .sort((a, b) => (a[4] ?? '').localeCompare(b[4] ?? '') || (a[0] ?? '').localeCompare(b[0] ?? ''));
  const table = [['POD', 'NODE', 'PHASE', 'IP', 'RUNS ON'], ...rows];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? [];
  return table.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd()).join('\n');
}

async function up(): Promise<void> {
  const dir = sandboxDir();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  // First, so that a machine that cannot build it fails before anything is started.
  step('building the runtime image (npm run image), or reusing it');
  const image = await buildImage();
  console.log(`    ${image.reference}: ${image.archive}`);

  step(
    `starting the control plane, ${SANDBOX_WORKERS.count} fake workers (${SANDBOX_WORKERS.cpu} CPU, ${SANDBOX_WORKERS.memory} each) and the Huawei Cloud emulator`,
  );
  const environment = await startEnvironment(dir);
  const state: SandboxState = { ...environment };
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  const kc = new KubeConfig();
  kc.loadFromFile(environment.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);

  step('vkctl install --interconnect');
  const install = await runVkctl(['install', '--interconnect', '--no-wait'], { env: environment.vkctlEnv });
  console.log(`${install.stdout}${install.stderr}`.trimEnd().replace(/^/gm, '    '));
  if (install.code !== 0) throw new Error(`vkctl install failed (exit ${install.code})`);

  step(
    'running the runtime from its image as the installed Deployment describes it (args, config, credentials, ServiceAccount)',
  );
  const runtime = await startInstalledRuntime(kc, DEFAULT_NAMESPACE, dir, image);
  state.runtimePid = runtime.pid;
  state.containerPids = runtime.pids;
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  await waitFor(
    `the virtual node ${DEFAULT_NODE_NAME} to be Ready (runtime log: ${runtime.logPath})`,
    async () => {
      if (!isAlive(runtime.pid)) throw new Error(`the runtime exited; see ${runtime.logPath}`);
      for (const [name, pid] of Object.entries(runtime.pids))
        if (!isAlive(pid)) throw new Error(`the pod's ${name} container exited; see its log in ${dir}`);
      const node = await core.readNode({ name: DEFAULT_NODE_NAME }).catch(() => undefined);
      return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    },
    { timeoutMs: 60_000 },
  ).catch((error: Error) => {
    // The log goes with the sandbox when it is taken down: its end is part of the error.
    const tail = readFileSync(runtime.logPath, 'utf8').trimEnd().split('\n').slice(-10).join('\n');
    throw new Error(`${error.message}; the runtime's log ends:\n${tail}`);
  });

  step(
    `deploying ${SAMPLE.namespace}/${SAMPLE.name} (virtual-kubelet.io/burst-to-cci=localPrefer), 2 replicas`,
  );
  const labels = { app: SAMPLE.name, 'virtual-kubelet.io/burst-to-cci': 'localPrefer' };
  await apps.createNamespacedDeployment({
    namespace: SAMPLE.namespace,
    body: {
      metadata: { name: SAMPLE.name, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: SAMPLE.name } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                resources: { limits: { cpu: SAMPLE.cpu, memory: SAMPLE.memory } },
              },
            ],
          },
        },
      },
    },
  });
  const available = (n: number) => async () =>
    ((await apps.readNamespacedDeployment({ name: SAMPLE.name, namespace: SAMPLE.namespace })).status
      ?.availableReplicas ?? 0) >= n;
  await waitFor('2 replicas available', available(2));
  step(`scaling to ${SAMPLE.replicas}, more than the workers hold`);
  await apps.patchNamespacedDeployment(
    { name: SAMPLE.name, namespace: SAMPLE.namespace, body: { spec: { replicas: SAMPLE.replicas } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await waitFor(`${SAMPLE.replicas} replicas available`, available(SAMPLE.replicas), { timeoutMs: 60_000 });
  const pods = (
    await core.listNamespacedPod({ namespace: SAMPLE.namespace, labelSelector: `app=${SAMPLE.name}` })
  ).items;
  const onCci = pods.filter((p) => p.spec?.nodeName === DEFAULT_NODE_NAME).length;
  console.log(`\n${SAMPLE.name}: ${pods.length - onCci} pods on the CCE workers, ${onCci} burst to CCI\n`);
  console.log(placement(pods, DEFAULT_NODE_NAME));
  writeFileSync(
    path.join(dir, 'vkctl.env'),
    Object.entries(environment.vkctlEnv)
      .map(([k, v]) => `export ${k}='${v}'\n`)
      .join(''),
    { mode: 0o600 },
  );
  console.log(`
The sandbox keeps running. Try:
  export KUBECONFIG=${environment.kubeconfig}
  kubectl get nodes; kubectl get pods -o wide
  kubectl logs -f ${pods.find((p) => p.spec?.nodeName === DEFAULT_NODE_NAME)?.metadata?.name ?? ''}   (a pod on CCI, through the runtime's kubelet API)
  . ${path.join(dir, 'vkctl.env')} && ./bin/run.js status && ./bin/run.js doctor
Runtime log: ${runtime.logPath}
Tear down:   npm run sandbox:down`);
}

async function down(): Promise<void> {
  const dir = sandboxDir();
  const state = readState(dir);
  if (!state) {
    console.log('no sandbox is running');
    return;
  }
  const pids = [state.runtimePid, ...Object.values(state.containerPids ?? {}), state.pid];
  for (const pid of pids) {
    if (pid && isAlive(pid)) process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 15_000;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids) if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  console.log('sandbox stopped and removed');
}

const command = process.argv[2];
try {
  if (command === 'up') {
    const existing = readState(sandboxDir());
    if (existing && isAlive(existing.pid))
      throw new Error(
        `a sandbox is already running (KUBECONFIG=${existing.kubeconfig}); stop it with: npm run sandbox:down`,
      );
    // Nothing half-done: a sandbox that did not come up is taken down again.
    await up().catch(async (error: unknown) => {
      if (!process.env.VKCTL_SANDBOX_KEEP) await down(); // VKCTL_SANDBOX_KEEP=1 keeps it for a look
      throw error;
    });
  } else if (command === 'down') await down();
  else throw new Error('usage: sandbox up | down');
} catch (error) {
  console.error(`sandbox: ${(error as Error).message}`);
  process.exitCode = 1;
}
