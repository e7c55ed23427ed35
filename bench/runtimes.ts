// The runtimes the side-by-side bench compares, each started as its own process for one virtual
// node, with a kubeconfig of its own (an audited user, so its apiserver requests can be counted):
// - vkctl's runtime as installed (`vkctl provider run`), its pods in the CCI emulator;
// - vkctl's runtime over the in-memory CCI (in-memory-runtime.ts), without the emulator's cost;
// - upstream virtual-kubelet's library with an in-memory provider (upstream-vk/), at client-go's
//   default QPS (5, burst 10), with it raised as far as vkctl's client, which has no limit, and
//   with its pod workers raised to vkctl's 32 as well.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { stringify } from 'yaml';
import type { ProviderConfig } from '../src/provider/config.js';
import { vkctlEnvironment, type TestEnvironment } from '../test/env/environment.js';
import { freePort, ManagedProcess, removeOnExit } from '../test/env/processes.js';
import { spawnProvider } from '../test/env/provider-process.js';
import { testProviderConfig } from '../test/env/provider.js';
import { waitFor } from '../test/env/wait.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface StartedRuntime {
  pid: number;
  stop(): Promise<void>;
}

export interface BenchRuntime {
  label: string;
  /** vkctl's or upstream's: which ratios it is part of. */
  side: 'ours' | 'upstream';
  start(env: TestEnvironment, nodeName: string, kubeconfig: string): Promise<StartedRuntime>;
}

/** The test config, with room for the largest burst (upstream's node has the same). */
function benchConfig(env: TestEnvironment, nodeName: string): ProviderConfig {
  const config = testProviderConfig(env, nodeName);
  return { ...config, capacity: { ...config.capacity, pods: '10000' } };
}

const oursThroughEmulator: BenchRuntime = {
  label: 'vkctl, CCI emulator',
  side: 'ours',
  async start(env, nodeName, kubeconfig) {
    const runtime = await spawnProvider(
      benchConfig(env, nodeName),
      { ...vkctlEnvironment(env), KUBECONFIG: kubeconfig },
      'warn',
    );
    return { pid: runtime.process.pid ?? 0, stop: () => runtime.process.stop() };
  },
};

/**
 * in-memory-runtime.ts with the runtime's source bundled into one plain JavaScript file. Run
 * through tsx instead, the process would carry tsx's loader: about 90 MiB more RSS, which is not
 * the runtime's. It goes to dist/bench/, as deep as dist/addon/, so that paths the source takes
 * relative to its own file (package.json, manifests/) still resolve. Bundled once per bench run.
 */
let bundled: Promise<string> | undefined;
function inMemoryRuntimeScript(): Promise<string> {
  bundled ??= bundleInMemoryRuntime();
  return bundled;
}

async function bundleInMemoryRuntime(): Promise<string> {
  const outfile = path.join(here, '..', 'dist', 'bench', 'in-memory-runtime.js');
  await build({
    entryPoints: [path.join(here, 'in-memory-runtime.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}

const oursInMemory: BenchRuntime = {
  label: 'vkctl, in-memory CCI',
  side: 'ours',
  async start(env, nodeName, kubeconfig) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-bench-'));
    removeOnExit(dir);
    const configFile = path.join(dir, 'config.yaml');
    writeFileSync(configFile, stringify(benchConfig(env, nodeName)));
    const healthPort = await freePort();
    const child = ManagedProcess.spawn(
      'vkctl runtime over in-memory CCI',
      process.execPath,
      [await inMemoryRuntimeScript(), configFile, String(healthPort)],
      path.join(dir, 'runtime.log'),
      { KUBECONFIG: kubeconfig },
    );
    await child.waitUntil(
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
      60_000,
      'ready',
    );
    return { pid: child.pid ?? 0, stop: () => child.stop() };
  },
};

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

function upstream(label: string, qpsArgs: string[]): BenchRuntime {
  return {
    label,
    side: 'upstream',
    async start(_env, nodeName, kubeconfig) {
      const child = spawn(
        upstreamBinary(),
        ['--kubeconfig', kubeconfig, '--node-name', nodeName, ...qpsArgs],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
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
    },
  };
}

export const RUNTIMES: BenchRuntime[] = [
  oursThroughEmulator,
  oursInMemory,
  upstream('upstream, client-go defaults', []),
  upstream('upstream, QPS raised', ['--qps', '1000', '--burst', '2000']),
  // Its pod workers default to the CPU count (nodeutil.NewNode: runtime.NumCPU(), 2 here); vkctl's
  // pod controller works on 32 pods at once.
  upstream('upstream, QPS and workers raised', ['--qps', '1000', '--burst', '2000', '--workers', '32']),
];
