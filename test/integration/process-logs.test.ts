// Every long-running vkctl process logs JSON lines only, Node's own process warnings included (a
// MaxListenersExceededWarning once came out as plain text): the runtime pod's approver container
// and the interconnect sidecar, as `vkctl provider run` (node-parity.test.ts), as real processes
// against the real apiserver. A warning is raised in each on SIGUSR2 by a module loaded first.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTestEnvironment } from '../env/environment.js';
import { freePort, ManagedProcess, removeOnExit } from '../env/processes.js';
import { waitFor } from '../env/wait.js';

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

/** The log's lines that do not parse as a JSON object. */
const notJson = (lines: string[]) =>
  lines.filter((line) => {
    try {
      return typeof JSON.parse(line) !== 'object';
    } catch {
      return true;
    }
  });

describe('the approver and the proxy as processes: every log line JSON', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-process-logs-'));
  removeOnExit(dir);
  const processes: ManagedProcess[] = [];
  const warnOnSignal = path.join(dir, 'warn-on-signal.mjs');
  writeFileSync(
    warnOnSignal,
    "process.on('SIGUSR2', () => process.emitWarning('a warning raised in the process', 'TestWarning'));\n",
  );

  after(async () => {
    for (const running of processes) await running.stop();
  });

  /** Starts `vkctl ARGS` with the warning module, waits for `ready` in its log, then makes it warn. */
  async function warnedLog(name: string, args: string[], ready: string): Promise<string[]> {
    const logFile = path.join(dir, `${name}.log`);
    const running = ManagedProcess.spawn(
      name,
      process.execPath,
      ['--import', warnOnSignal, bin, ...args],
      logFile,
      {
        NO_COLOR: '1',
      },
    );
    processes.push(running);
    // The log file is opened asynchronously: not there yet is no line yet.
    const read = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : []);
    await running.waitUntil(() => Promise.resolve(read().some((l) => l.includes(ready))), 60_000, ready);
    running.child.kill('SIGUSR2');
    return waitFor(`the warning in ${name}’s log`, () =>
      Promise.resolve(read().some((l) => l.includes('a warning raised in the process')) && read()),
    );
  }

  const assertJsonWithWarning = (lines: string[]) => {
    assert.deepEqual(notJson(lines), []);
    const warning = lines
      .map((line) => JSON.parse(line) as { level: number; msg: string; warning?: string })
      .find((entry) => entry.msg === 'a warning raised in the process');
    assert.equal(warning?.level, 40, 'a warn line');
    assert.equal(warning?.warning, 'TestWarning');
  };

  it('vkctl provider approver', async () => {
    const lines = await warnedLog(
      'approver',
      [
        'provider',
        'approver',
        '--node-name',
        `vk-logs-${Date.now().toString(36)}`,
        '--kubeconfig',
        env().controlPlane.cluster.adminKubeconfigPath,
      ],
      'approving this node’s kubelet-serving CSRs',
    );
    assertJsonWithWarning(lines);
  });

  it('vkctl proxy', async () => {
    const lines = await warnedLog(
      'proxy',
      [
        'proxy',
        '--kubeconfig',
        env().controlPlane.cluster.adminKubeconfigPath,
        '--dns-address',
        `127.0.0.1:${await freePort()}`,
        '--upstream-dns',
        '127.0.0.1:53',
        '--status-port',
        String(await freePort()),
        '--control-socket',
        path.join(dir, 'proxy.sock'),
      ],
      'proxy ready',
    );
    assertJsonWithWarning(lines);
  });
});
