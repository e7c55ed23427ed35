// doctor and validate as a user runs them: the packaged CLI, its output, --json, and exit codes
// (0 ok, 1 failed, 2 usage or configuration error). Secrets never appear in any output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { defaultScenario } from '../env/emulator/state.js';
import { useTestEnvironment, vkctlEnvironment } from '../env/environment.js';
import { freePort } from '../env/processes.js';
import { runVkctl } from '../env/run-cli.js';
import { waitFor } from '../env/wait.js';

const fixture = (name: string) => `test/fixtures/validate/${name}`;

describe('vkctl doctor and validate (CLI)', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();

  it('doctor --pre --json prints every check in the documented shape and exits 0 on a healthy cluster', async () => {
    const { code, stdout, stderr } = await runVkctl(['doctor', '--pre', '--json'], {
      env: vkctlEnvironment(env()),
    });
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as { checks: Record<string, unknown>[] };
    assert.ok(report.checks.length >= 14);
    for (const check of report.checks) {
      assert.deepEqual(
        Object.keys(check).filter((k) => ['id', 'category', 'status', 'message'].includes(k)).length,
        4,
      );
      assert.equal(check.status, 'ok');
    }
    assert.ok(
      !stdout.includes(env().emulator.scenario.secretKey) &&
        !stderr.includes(env().emulator.scenario.secretKey),
    );
  });

  it('doctor --pre exits 1 with ×, the reason and the hint when a check fails', async () => {
    const restore = env().emulator.state.revokeCciAuthorization(env().emulator.scenario.domainId);
    try {
      const { code, stdout } = await runVkctl(['doctor', '--pre'], { env: vkctlEnvironment(env()) });
      assert.equal(code, 1);
      assert.match(
        stdout,
        /× CCI is authorized for this account \(CCI’s own answer\)\n\s+CCI is not authorized for this account: open the CCI console/,
      );
      assert.match(stdout, /hint: open the CCI console/);
      assert.match(stdout, /✔ the CCE cluster exists and is Available/);
      assert.ok(!stdout.includes(env().emulator.scenario.secretKey));
    } finally {
      restore();
    }
  });

  it('doctor exits 2 on a configuration error: a kubeconfig that does not exist, a bad --wait', async () => {
    const missing = await runVkctl(['doctor', '--pre', '--kubeconfig', '/no/such/kubeconfig'], {
      env: vkctlEnvironment(env()),
    });
    assert.equal(missing.code, 2);
    assert.match(missing.stdout, /kubeconfig \/no\/such\/kubeconfig does not exist/);
    const badWait = await runVkctl(['doctor', '--wait', 'soon'], { env: vkctlEnvironment(env()) });
    assert.equal(badWait.code, 2);
    assert.equal(badWait.stderr.trim(), 'Error: --wait: invalid duration "soon": use e.g. 30s, 5m or 1m30s');
  });

  it('validate exits 0 when every workload can burst', async () => {
    const { code, stdout } = await runVkctl(['validate', '-f', fixture('burstable.yaml')]);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /✔ Deployment shop\/web can burst to CCI/);
    assert.match(stdout, /✔ CronJob shop\/report can burst to CCI/);
  });

  it('validate --json lists each workload with its violations and exits 1 when one cannot burst', async () => {
    const { code, stdout } = await runVkctl(['validate', '-f', fixture('mixed.yaml'), '--json']);
    assert.equal(code, 1);
    const { results } = JSON.parse(stdout) as {
      results: {
        kind: string;
        namespace: string;
        name: string;
        burstable: boolean;
        violations: { rule: string }[];
      }[];
    };
    assert.deepEqual(
      results.map((r) => [r.kind, r.namespace, r.name, r.burstable]),
      [
        ['StatefulSet', 'default', 'db', false],
        ['DaemonSet', 'kube-system', 'agent', false],
        ['Job', 'default', 'once', true],
      ],
    );
    assert.deepEqual(
      results[0]?.violations.map((v) => v.rule),
      ['container-cpu-step'],
    );
    assert.deepEqual(results[1]?.violations.map((v) => v.rule).sort(), ['daemonset', 'host-network']);
  });

  it('validate reads standard input with -f -', async () => {
    const { code, stdout } = await runVkctl(['validate', '-f', '-'], {
      input:
        'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x, resources: {limits: {cpu: "1", memory: 1Gi}}}]\n',
    });
    assert.equal(code, 1);
    assert.match(stdout, /× Pod default\/p cannot burst to CCI\n\s+pod cpu:memory is 1:1/);
  });

  it('validate exits 2 with one line on unreadable input', async () => {
    const broken = await runVkctl(['validate', '-f', '-'], { input: 'kind: Pod\nspec: [\n' });
    assert.equal(broken.code, 2);
    assert.equal(broken.stderr.trim().split('\n').length, 1);
    assert.match(broken.stderr, /^Error: standard input: not valid YAML/);
    const missing = await runVkctl(['validate', '-f', 'no-such-file.yaml']);
    assert.equal(missing.code, 2);
    assert.equal(
      missing.stderr.trim(),
      'Error: cannot read no-such-file.yaml: ENOENT (no such file or directory)',
    );
  });

  it('provider run registers its node, answers /healthz, and exits 0 on SIGTERM', async function () {
    // Room for each wait below to fail with its own reason rather than mocha's timeout.
    this.timeout(120_000);
    // Its own account: CCI allows 5 namespaces per account and region, and other test files (chaos
    // among them) leave the shared account's namespaces going at their own pace.
    const s = defaultScenario(env().emulator.state);
    const e = env().emulator.endpoints;
    const nodeName = `vk-cli-${randomBytes(3).toString('hex')}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-provider-'));
    const config = path.join(dir, 'config.yaml');
    writeFileSync(config, stringify({ region: s.region, clusterId: s.clusterId, nodeName, endpoints: e }));
    const healthPort = await freePort();
    const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        bin,
        'provider',
        'run',
        '--config',
        config,
        '--health-port',
        String(healthPort),
        '--webhook-cert-dir',
        dir,
      ],
      {
        env: {
          ...process.env,
          ...vkctlEnvironment(env()),
          HUAWEICLOUD_SDK_AK: s.accessKey,
          HUAWEICLOUD_SDK_SK: s.secretKey,
          VKCTL_CLUSTER_ID: s.clusterId,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    // The runtime's last log lines, for a failure to explain itself.
    let logTail = '';
    child.stderr?.on('data', (d: Buffer) => (logTail = (logTail + d.toString()).slice(-2000)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let exitCode: number | null | undefined;
      void exited.then((code) => (exitCode = code));
      await waitFor('the node to be Ready', async () => {
        // A runtime that gave up (CCI refused it, say) is what the timeout reports, with its exit code.
        if (exitCode !== undefined)
          throw new Error(
            `provider run exited ${exitCode} before its node was Ready; its log ends: ${logTail}`,
          );
        const node = await env()
          .core.readNode({ name: nodeName })
          .catch(() => undefined);
        if (node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return true;
        throw new Error(`node not Ready yet; the runtime's log ends: ${logTail}`);
      });
      const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
      assert.equal(await health.text(), 'ok');
      await waitFor(
        'the runtime to be ready',
        async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
      );
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<string>((resolve) => {
          setTimeout(() => resolve('still running 20 s after SIGTERM'), 20_000).unref();
        }),
      ]);
      assert.equal(code, 0, `its log ends: ${logTail}`);
    } finally {
      child.kill('SIGKILL');
      await env()
        .core.deleteNode({ name: nodeName })
        .catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
