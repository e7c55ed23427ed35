// The runtimes the side-by-side bench compares, each started as its own process for one virtual
// node, with a kubeconfig of its own (an audited user, so its apiserver requests can be counted):
// - vkctl's runtime as installed: the image's program (scripts/image/bundle.mjs, one file with its
//   dependencies) running `vkctl provider run`, its pods in the CCI emulator (its own process too,
//   separate-emulator.ts, so that its CPU is read apart);
// - vkctl's runtime over the in-memory CCI (in-memory-runtime.ts, bundled the same way), without
//   the emulator's cost;
// - both again inside the installed Deployment's CPU and memory limits (limits.ts);
// - upstream virtual-kubelet's library with an in-memory provider (upstream-vk/), at client-go's
//   defaults (QPS 5, burst 10), with its QPS raised, and tuned all the way: no client-side limit
//   and no work-queue rate limit (vkctl's client and queue have neither) and vkctl's worker count.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ProviderConfig } from '../src/provider/config.js';
import { DEFAULT_POD_WORKERS } from '../src/provider/pod-controller.js';
import type { TestEnvironment } from '../test/env/environment.js';
import { freePort, ManagedProcess, removeOnExit } from '../test/env/processes.js';
import { testProviderConfig } from '../test/env/provider.js';
import { waitFor } from '../test/env/wait.js';
import { benchBundle } from './bundle.js';
import { installedNodeOptions, type LimitScope } from './limits.js';
import type { SeparateEmulator } from './separate-emulator.js';

const here = path.dirname(fileURLToPath(import.meta.url));

let imageProgram: string | undefined;
/** The image's program, /app/vkctl.mjs in the image, bundled here once per bench process. */
function imageBundle(): string {
  if (imageProgram === undefined) {
    const app = path.join(here, '..', 'dist', 'bench', 'image-app');
    execFileSync(process.execPath, [path.join(here, '..', 'scripts', 'image', 'bundle.mjs'), app], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    imageProgram = path.join(app, 'vkctl.mjs');
  }
  return imageProgram;
}

export interface StartedRuntime {
  pid: number;
  /** Ours: the runtime's Prometheus /metrics. */
  metricsUrl?: string;
  /** Whether the process has ended (killed for memory during a burst, say). */
  exited(): boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  env: TestEnvironment;
  nodeName: string;
  /** The runtime's own audited kubeconfig file. */
  kubeconfig: string;
  /** The separate emulator, for runtimes that go through it. */
  emulator?: SeparateEmulator;
  /** A prefix that runs the command inside a cgroup (limits.ts), or none. */
  launcher?: string[];
  /** Extra node options (--cpu-prof, …) for runtimes that are Node processes. */
  nodeArgs?: string[];
}

export interface BenchRuntime {
  label: string;
  /** vkctl's or upstream's: which ratios it is part of. */
  side: 'ours' | 'upstream';
  /** Its pods go to the CCI emulator (started for it, separate-emulator.ts). */
  throughEmulator?: boolean;
  /** Run inside the installed Deployment's CPU and memory limits, or its memory limit alone. */
  limited?: LimitScope;
  start(options: StartOptions): Promise<StartedRuntime>;
}

/** The test config, with room for the largest burst (upstream's node has the same). */
function benchConfig(env: TestEnvironment, nodeName: string): ProviderConfig {
  const config = testProviderConfig(env, nodeName);
  return { ...config, capacity: { ...config.capacity, pods: '10000' } };
}

/** BENCH_NODE_ARGS: Node options for our runtimes, to try one (e.g. a V8 heap flag) side by side. */
const benchNodeArgs = () => (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** A Node runtime as its own process, optionally inside a cgroup; ready once /readyz answers 200. */
async function spawnNodeRuntime(
  name: string,
  script: string[],
  options: StartOptions,
  healthPort: number,
  dir: string,
  env: Record<string, string>,
): Promise<StartedRuntime> {
  const [command = process.execPath, ...prefix] = [...(options.launcher ?? []), process.execPath];
  const child = ManagedProcess.spawn(
    name,
    command,
    [...prefix, ...benchNodeArgs(), ...(options.nodeArgs ?? []), ...script],
    path.join(dir, 'runtime.log'),
    // As installed: the Deployment's NODE_OPTIONS (V8's young generation), and no
    // NODE_EXTRA_CA_CERTS, which the image does not set (this machine does, and Node then builds its
    // whole root store at start: about 2 MiB the installed runtime does not carry).
    { NODE_OPTIONS: installedNodeOptions(), NODE_EXTRA_CA_CERTS: '', ...env },
  );
  await child.waitUntil(
    async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
    60_000,
    'ready',
  );
  return {
    pid: child.pid ?? 0,
    metricsUrl: `http://127.0.0.1:${healthPort}/metrics`,
    exited: () => child.hasExited,
    stop: () => child.stop(),
  };
}

function configFile(config: ProviderConfig): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-bench-'));
  removeOnExit(dir);
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  return { dir, file };
}

/**
 * `vkctl provider run` (as test/env/provider-process.ts starts it), against the separate emulator;
 * `program` instead of the image's program bundled here (BENCH_COMPARE_TREE).
 */
function oursThroughEmulator(label: string, limited?: LimitScope, program?: string): BenchRuntime {
  return {
    label,
    side: 'ours',
    throughEmulator: true,
    limited,
    async start(options) {
      const { env, nodeName, kubeconfig, emulator } = options;
      if (!emulator) throw new Error(`${label} needs the separate emulator`);
      const { dir, file } = configFile(emulator.providerConfig(benchConfig(env, nodeName)));
      const healthPort = await freePort();
      const args = ['provider', 'run', '--config', file, '--health-port', String(healthPort)];
      args.push('--webhook-cert-dir', path.join(dir, 'no-webhook'), '--log-level', 'warn');
      const script = [program ?? imageBundle(), ...args];
      return spawnNodeRuntime('vkctl provider run', script, options, healthPort, dir, {
        ...emulator.environment(env),
        KUBECONFIG: kubeconfig,
      });
    },
  };
}

/**
 * in-memory-runtime.ts, bundled (bundle.ts), over the in-memory CCI; or `bundle`, the same file
 * bundled in another tree (BENCH_COMPARE_TREE).
 */
function oursInMemory(label: string, limited?: LimitScope, bundle?: string): BenchRuntime {
  return {
    label,
    side: 'ours',
    limited,
    async start(options) {
      const { dir, file } = configFile(benchConfig(options.env, options.nodeName));
      const healthPort = await freePort();
      const program = bundle ?? (await benchBundle('in-memory-runtime', 'bundled'));
      const script = [program, file, String(healthPort)];
      return spawnNodeRuntime('vkctl runtime over in-memory CCI', script, options, healthPort, dir, {
        KUBECONFIG: options.kubeconfig,
      });
    },
  };
}

export const startInMemoryRuntime = (options: StartOptions) => oursInMemory('').start(options);

let builtUpstream: string | undefined;
/** The upstream binary: build.sh builds it into the cache once, then prints where it is. */
function upstreamBinary(): string {
  if (builtUpstream === undefined) {
    const lines = execFileSync('bash', [path.join(here, 'upstream-vk', 'build.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n');
    builtUpstream = lines[lines.length - 1] ?? '';
  }
  return builtUpstream;
}

function upstream(label: string, flags: string[]): BenchRuntime {
  return {
    label,
    side: 'upstream',
    async start({ nodeName, kubeconfig }) {
      const child = spawn(upstreamBinary(), ['--kubeconfig', kubeconfig, '--node-name', nodeName, ...flags], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('upstream virtual-kubelet to be ready', () =>
        Promise.resolve(out.includes('upstream-vk ready')),
      );
      let ended = false;
      const exited = new Promise<void>((resolve) =>
        child.once('close', () => {
          ended = true;
          resolve();
        }),
      );
      return {
        pid: child.pid ?? 0,
        exited: () => ended,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      };
    },
  };
}

/**
 * BENCH_COMPARE_TREE: another checkout of vkctl (the commit before a change, say) whose bench has
 * run once, so that its dist/bench/ holds its bundles. Its two runtimes of ours without limits run
 * right after ours, so that a change is measured against what it changed under the same load, not
 * against a run made at another time on these shared cores.
 */
const compareTree = process.env.BENCH_COMPARE_TREE;
/** The compared tree and its commit, for the results (undefined without BENCH_COMPARE_TREE). */
export function comparedTree(): { dir: string; revision: string } | undefined {
  if (!compareTree) return undefined;
  let revision = 'unknown (not a git checkout)';
  try {
    revision = execFileSync('git', ['-C', compareTree, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // a copy without .git: the bundles still run, the record says it cannot name them
  }
  return { dir: compareTree, revision };
}

/** A bundle of the compared tree; refused at once when its bench has not run there. */
function compared(file: string): string {
  const bundle = path.join(compareTree ?? '', 'dist', 'bench', file);
  if (!existsSync(bundle))
    throw new Error(`BENCH_COMPARE_TREE: ${bundle} does not exist (run the bench in that tree first)`);
  return bundle;
}

export const RUNTIMES: BenchRuntime[] = [
  oursThroughEmulator('vkctl, CCI emulator'),
  ...(compareTree
    ? [oursThroughEmulator('vkctl, CCI emulator, compared tree', undefined, compared('image-app/vkctl.mjs'))]
    : []),
  oursThroughEmulator('vkctl, CCI emulator, within limits', 'cpu and memory'),
  oursInMemory('vkctl, in-memory CCI'),
  ...(compareTree
    ? [oursInMemory('vkctl, in-memory CCI, compared tree', undefined, compared('in-memory-runtime.js'))]
    : []),
  // Node sizes V8's heap from the memory it may use (the container's limit): on this 24 GiB machine
  // the young generation alone is 48 MiB at most, inside the installed 512Mi about 3 MiB. This run
  // has the installed memory limit and no CPU quota: the installed runtime's memory, unthrottled.
  oursInMemory('vkctl, in-memory CCI, installed memory limit', 'memory'),
  oursInMemory('vkctl, in-memory CCI, within limits', 'cpu and memory'),
  upstream('upstream, client-go defaults', []),
  upstream('upstream, QPS raised', ['--qps', '1000', '--burst', '2000']),
  // Its pod workers default to the CPU count (nodeutil.NewNode: runtime.NumCPU(), 2 here); vkctl's
  // pod controller works on DEFAULT_POD_WORKERS (64) at once. --qps -1: client-go then builds no
  // rate limiter.
  upstream('upstream, tuned all the way', [
    '--qps',
    '-1',
    '--workers',
    String(DEFAULT_POD_WORKERS),
    '--unlimited-queues',
  ]),
];

/**
 * RUNTIMES, or those whose label contains one of BENCH_RUNTIMES' parts, separated by semicolons
 * (labels have commas): BENCH_RUNTIMES='in-memory CCI;tuned'. A part that is a whole label picks
 * that runtime alone: 'vkctl, in-memory CCI;vkctl, in-memory CCI, compared tree' runs those two,
 * not every in-memory one.
 */
export function selectedRuntimes(filter = process.env.BENCH_RUNTIMES): BenchRuntime[] {
  if (!filter) return RUNTIMES;
  const labels = RUNTIMES.map((r) => r.label.toLowerCase());
  const picks = filter
    .split(';')
    .map((w) => w.trim().toLowerCase())
    .map((w) => (label: string) => (labels.includes(w) ? label === w : label.includes(w)));
  const chosen = RUNTIMES.filter((r) => picks.some((pick) => pick(r.label.toLowerCase())));
  if (chosen.length === 0)
    throw new Error(`BENCH_RUNTIMES="${filter}" matches none of: ${RUNTIMES.map((r) => r.label).join('; ')}`);
  return chosen;
}
