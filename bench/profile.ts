// Where the runtime's CPU and memory go: vkctl's runtime over the in-memory CCI (so only the
// runtime's own work counts; PROFILE_RUNTIME=emulator: `vkctl provider run` through the CCI
// emulator, in its own process, instead) through one burst, with V8's CPU profiler on, a heap snapshot taken
// when every pod is Running (the informer caches and everything else then at their fullest), and a
// summary of both by function and file (profile-summary.ts). Profiles stay in PROFILE_DIR.
//   PROFILE_PODS=1000 PROFILE_DIR=/tmp/vkctl-profile npx tsx bench/profile.ts
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { auditedKubeconfig } from '../test/env/audit.js';
import { sharedTestEnvironment, stopSharedTestEnvironment } from '../test/env/environment.js';
import { waitFor } from '../test/env/wait.js';
import { clearBurst } from './clear-burst.js';
import { installedLimits } from './limits.js';
import { summarizeProfiles } from './profile-summary.js';
import { RUNTIMES, startInMemoryRuntime, type StartOptions } from './runtimes.js';
import { startSeparateEmulator } from './separate-emulator.js';
import { burst } from './side-by-side-burst.js';

const pods = Number(process.env.PROFILE_PODS ?? 1000);
const dir = path.resolve(process.env.PROFILE_DIR ?? '/tmp/vkctl-profile');
mkdirSync(dir, { recursive: true });
const files = (ext: string) => readdirSync(dir).filter((f) => f.endsWith(ext));
const before = new Set(readdirSync(dir));

const env = await sharedTestEnvironment();
try {
  const nodeName = `vk-prof-${randomBytes(3).toString('hex')}`;
  const emulator = process.env.PROFILE_RUNTIME === 'emulator' ? await startSeparateEmulator(env) : undefined;
  const options: StartOptions = {
    env,
    nodeName,
    kubeconfig: await auditedKubeconfig(env, nodeName),
    emulator,
    nodeArgs: [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      `--diagnostic-dir=${dir}`,
      '--heapsnapshot-signal=SIGUSR2',
    ],
  };
  const throughEmulator = RUNTIMES.find((r) => r.throughEmulator && !r.limited);
  const runtime =
    emulator && throughEmulator ? await throughEmulator.start(options) : await startInMemoryRuntime(options);
  const namespace = await env.createNamespace('profile');
  // The burst's window on the monotonic clock V8's profiler stamps its samples with.
  const window = { fromUs: 0, toUs: 0 };
  try {
    window.fromUs = Number(process.hrtime.bigint() / 1000n);
    const figures = await burst(
      env,
      {
        namespace,
        label: `vkctl, ${emulator ? 'CCI emulator' : 'in-memory CCI'} (profiled)`,
        runtime,
        nodeName,
        pods,
      },
      { side: 'ours', limits: installedLimits(), emulatorPid: emulator?.pid },
    );
    window.toUs = Number(process.hrtime.bigint() / 1000n);
    writeFileSync(path.join(dir, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.error(`profile: ${pods} pods, ${figures.cpuSeconds} CPU s, peak RSS ${figures.peakRssMiB} MiB`);
    process.kill(runtime.pid, 'SIGUSR2');
    // The snapshot is written synchronously by the runtime; done once its size stops changing.
    let last = -1;
    await waitFor(
      'the heap snapshot',
      () => {
        const [snapshot] = files('.heapsnapshot').filter((f) => !before.has(f));
        if (!snapshot) return Promise.resolve(false);
        const size = statSync(path.join(dir, snapshot)).size;
        const done = size > 0 && size === last;
        last = size;
        return Promise.resolve(done);
      },
      { timeoutMs: 300_000, intervalMs: 2000 },
    );
  } finally {
    await runtime.stop();
    await clearBurst(env, namespace, emulator?.cciNamespace);
    await emulator?.stop();
    await env.core.deleteNode({ name: nodeName }).catch(() => undefined);
  }
  const fresh = (ext: string) => path.join(dir, files(ext).find((f) => !before.has(f)) ?? '');
  const summary = summarizeProfiles({
    cpuProfile: fresh('.cpuprofile'),
    heapSnapshot: fresh('.heapsnapshot'),
    window,
    pods,
  });
  writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await stopSharedTestEnvironment();
}
