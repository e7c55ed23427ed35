// The README's main job, end to end: `sandbox up` brings up its own control plane, workers and
// emulator, installs the add-on, runs the runtime from the installed objects, bursts the sample's
// overflow to CCI and prints where each pod runs; `sandbox down` stops all of it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubectl } from '../env/kubectl.js';
import { runVkctl } from '../env/run-cli.js';
import { isAlive, type SandboxState } from '../env/sandbox/state.js';

const cli = fileURLToPath(new URL('../env/sandbox/cli.ts', import.meta.url));

function sandbox(command: string, dir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, command], {
      env: { ...process.env, VKCTL_SANDBOX_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the local sandbox (npm run sandbox)', function () {
  this.timeout(300_000);
  const parent = mkdtempSync(path.join(os.tmpdir(), 'vkctl-sandbox-test-'));
  const dir = path.join(parent, 'sandbox');
  let state: SandboxState | undefined;

  after(async () => {
    await sandbox('down', dir);
    rmSync(parent, { recursive: true, force: true });
  });

  it('comes up, bursts only the overflow to CCI, leaves a working kubeconfig, and goes down cleanly', async () => {
    const up = await sandbox('up', dir);
    assert.equal(up.code, 0, up.output);
    assert.match(up.output, /installed vkctl \d+\.\d+\.\d+ in kube-system/);
    const summary = /demo: (\d+) pods on the CCE workers, (\d+) burst to CCI/.exec(up.output);
    assert.ok(summary, up.output);
    assert.ok(Number(summary[1]) > 0 && Number(summary[2]) > 0, 'some on workers, some on CCI');
    assert.equal(Number(summary[1]) + Number(summary[2]), 12);
    const cciRows = up.output.split('\n').filter((l) => l.includes('CCI (virtual node)'));
    assert.equal(cciRows.length, Number(summary[2]));
    for (const row of cciRows) assert.match(row, /virtual-kubelet\s+Running\s+192\.168\.0\.\d+/);
    assert.match(up.output, /Tear down:\s+npm run sandbox:down/);

    state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as SandboxState;
    assert.ok(
      isAlive(state.pid) && isAlive(state.runtimePid),
      'the environment and the runtime keep running',
    );
    assert.deepEqual(Object.keys(state.containerPids ?? {}), ['provider', 'approver']);
    assert.ok(Object.values(state.containerPids ?? {}).every(isAlive), 'both containers of its pod run');
    const kc = new KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    const nodes = await kc.makeApiClient(CoreV1Api).listNode();
    assert.deepEqual(nodes.items.map((n) => n.metadata?.name).sort(), [
      'sandbox-worker-0',
      'sandbox-worker-1',
      'virtual-kubelet',
    ]);

    // kubectl logs of a pod on CCI: the apiserver, the runtime's kubelet API (its certificate
    // from a kubelet-serving CSR that the approver container approved), CCI's log.
    const cciPod = /kubectl logs -f (\S+)/.exec(up.output)?.[1] ?? '';
    const logs = await kubectl(state?.kubeconfig ?? '', ['logs', cciPod]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /^web: tick 1$/m);
    // doctor, as the sandbox tells a user to run it: all green, the interconnect rows included.
    const vkctlEnv = Object.fromEntries(
      [...readFileSync(path.join(dir, 'vkctl.env'), 'utf8').matchAll(/^export (\w+)='([^']*)'$/gm)].map(
        (m) => [m[1] ?? '', m[2] ?? ''],
      ),
    );
    const doctor = await runVkctl(['doctor', '--json'], { env: vkctlEnv });
    const checks = (
      JSON.parse(doctor.stdout) as { checks: { id: string; status: string; message: string }[] }
    ).checks;
    assert.deepEqual(
      checks.filter((c) => c.status === 'fail'),
      [],
      doctor.stdout,
    );
    // runtime-capacity: the sizing rule against the Deployment install made and the node it registered.
    for (const id of [
      'interconnect-identity',
      'interconnect-credentials',
      'interconnect-sidecars',
      'runtime-capacity',
    ])
      assert.equal(checks.find((c) => c.id === id)?.status, 'ok', doctor.stdout);
    const exec = await kubectl(state?.kubeconfig ?? '', ['exec', cciPod, '--', 'echo', 'hello from CCI']);
    assert.equal(exec.stdout, 'hello from CCI\n', exec.stderr);

    const again = await sandbox('up', dir);
    assert.equal(again.code, 1);
    assert.match(again.output, /^sandbox: a sandbox is already running/m);
    assert.ok(isAlive(state.pid) && isAlive(state.runtimePid), 'the running sandbox is left alone');

    const down = await sandbox('down', dir);
    assert.equal(down.code, 0, down.output);
    assert.ok(!isAlive(state.pid) && !isAlive(state.runtimePid), 'everything it started has stopped');
    for (const pid of Object.values(state.containerPids ?? {}))
      assert.ok(!isAlive(pid), 'every container stopped');
    assert.ok(!existsSync(dir), 'its state is removed');
  });
});
