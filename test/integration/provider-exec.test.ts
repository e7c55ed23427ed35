// kubectl exec and attach on a pod running in CCI, through the real apiserver: kubectl speaks
// WebSockets to the apiserver, which speaks SPDY/3.1 to the virtual node's kubelet API (its serving
// certificate verified), which runs the command in CCI over CCI's exec WebSocket in
// v4.channel.k8s.io, the newest protocol of CCI's Kubernetes 1.19 (the emulator refuses v5). The
// emulator's exec is deterministic (exec-shell.ts), so output, stdin, terminal size and exit codes
// can be checked. Attach is not in CCI's documented API: the emulator answers 404 unless a test
// turns it on. Then the kubelet port straight (WebSocket clients, who may exec) and CCI's exec
// straight.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { CciApi } from '../../src/cloud/cci.js';
import { CloudClient } from '../../src/cloud/http.js';
import { issueCertificate } from '../../src/kube/pki.js';
import { cciPodName } from '../../src/provider/translate.js';
import { useTestEnvironment, useUndocumentedCciApi } from '../env/environment.js';
import { kubectl as runKubectl, runCommand } from '../env/kubectl.js';
import { cciNamespaceOf, useTestProvider, virtualNodePodSpec } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

describe('vkctl provider run: kubectl exec and attach on CCI pods', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const { nodeName, provider } = useTestProvider(env, 'vk-exec', () => ({
    kubeletPort: 0,
    kubelet: { clientCa: env().controlPlane.ca.certPem, host: '127.0.0.1' },
  }));
  const kubeconfig = () => env().controlPlane.cluster.adminKubeconfigPath;
  const kubectl = (args: string[], stdin?: string) => runKubectl(kubeconfig(), args, stdin);
  let ns = '';

  before(async function () {
    this.timeout(120_000);
    ns = await env().createNamespace('exec');
    await env().core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { greeting: 'hello from a ConfigMap\n' } },
    });
    const spec = virtualNodePodSpec(nodeName, {});
    const [main] = spec.containers;
    if (main) {
      main.env = [{ name: 'GREETING', value: 'hi there' }];
      main.volumeMounts = [{ name: 'settings', mountPath: '/etc/settings' }];
      main.stdin = true; // kubectl attach -i needs a container that keeps stdin open
    }
    spec.volumes = [{ name: 'settings', configMap: { name: 'settings' } }];
    await env().core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'shell' }, spec } });
    await waitFor(
      'the pod to run in CCI',
      async () =>
        (await env().core.readNamespacedPod({ name: 'shell', namespace: ns })).status?.phase === 'Running',
      { timeoutMs: 60_000 },
    );
  });

  it('kubectl exec returns the command’s output, and its exit code as kubectl’s', async () => {
    const hi = await kubectl(['exec', '-n', ns, 'shell', '--', 'echo', 'hi']);
    assert.equal(hi.code, 0, hi.stderr);
    assert.equal(hi.stdout, 'hi\n');

    const three = await kubectl(['exec', '-n', ns, 'shell', '--', 'sh', '-c', 'echo before; exit 3']);
    assert.equal(three.stdout, 'before\n');
    assert.equal(three.code, 3, `kubectl exits with the command's code: ${three.stderr}`);

    const missing = await kubectl(['exec', '-n', ns, 'shell', '--', 'cat', '/etc/settings/nope']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /cat: \/etc\/settings\/nope: No such file or directory/);
  });

  it('sees the container’s environment and mounted files', async () => {
    const file = await kubectl(['exec', '-n', ns, 'shell', '--', 'cat', '/etc/settings/greeting']);
    assert.equal(file.stdout, 'hello from a ConfigMap\n', file.stderr);
    const envs = await kubectl(['exec', '-n', ns, 'shell', '--', 'sh', '-c', 'echo "$GREETING"']);
    assert.equal(envs.stdout, 'hi there\n', envs.stderr);
  });

  it('kubectl exec -i passes stdin through, and the session ends when the command ends', async () => {
    // About 700 KB in, 600 KB out: many SPDY and WebSocket frames each way, and the exit status only
    // after all. The shell ends at `exit`, not at the end of its input, which CCI is never told.
    const count = 50_000;
    const script = Array.from({ length: count }, (_, i) => `echo line ${i + 1}`).join('\n') + '\nexit 0\n';
    const lines = Array.from({ length: count }, (_, i) => `line ${i + 1}\n`).join('');
    const echoed = await kubectl(['exec', '-i', '-n', ns, 'shell', '--', 'sh'], script);
    assert.equal(echoed.code, 0, echoed.stderr);
    assert.equal(echoed.stdout, lines, 'every statement reached the shell, every line came back');
    const shell = await kubectl(['exec', '-i', '-n', ns, 'shell', '--', 'sh'], 'echo one\nexit 4\n');
    assert.equal(shell.stdout, 'one\n');
    assert.equal(shell.code, 4);
  });

  it('kubectl exec -i: CCI is not told that the caller closed stdin (v4), so cat runs on until the caller leaves', async () => {
    const child = spawn(
      'kubectl',
      ['--kubeconfig', kubeconfig(), 'exec', '-i', '-n', ns, 'shell', '--', 'cat'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.end('all there is\n');
    try {
      await waitFor('cat to echo its input', () => Promise.resolve(output === 'all there is\n'));
      const after3s = await Promise.race([exited.then(() => 'ended'), sleep(3000).then(() => 'running')]);
      assert.equal(after3s, 'running', 'v4 has no way to close stdin: cat never sees its end');
    } finally {
      child.kill();
    }
    await exited; // and the caller leaving does end it
  });

  it('kubectl exec -it gets a terminal of the caller’s size', async () => {
    // `script` gives kubectl a pseudo-terminal of 33 rows and 101 columns.
    const run = await runCommand('script', [
      '-qec',
      `stty rows 33 cols 101; kubectl --kubeconfig ${kubeconfig()} exec -it -n ${ns} shell -- stty size`,
      '/dev/null',
    ]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^33 101\r?$/m);
  });

  it('kubectl attach fails at once, saying CCI does not serve attach (not in CCI’s documented API)', async function () {
    this.timeout(30_000);
    const attach = await kubectl(['attach', '-i', '-n', ns, 'shell'], 'hello\n');
    assert.notEqual(attach.code, 0);
    const said = attach.stderr.split('\n').filter((line) => line.includes('CCI does not serve attach'));
    assert.equal(said.length, 1, attach.stderr);
    assert.match(said[0] ?? '', /kubectl logs -f/);
    assert.doesNotMatch(attach.stdout, /main: tick/, 'nothing was attached');
  });

  describe('where CCI serves attach', () => {
    useUndocumentedCciApi(env, 'attach');

    it('kubectl attach -i follows the container’s output and feeds it stdin', async () => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfig(), 'attach', '-i', '-n', ns, 'shell'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      try {
        await waitFor('attach to show the container ticking', () =>
          Promise.resolve(/main: tick \d+/.test(output)),
        );
        child.stdin.write('knock knock\n');
        await waitFor('stdin to reach the container', () =>
          Promise.resolve(/^stdin: knock knock$/m.test(output)),
        );
      } finally {
        child.kill();
      }
    });
  });

  describe('the kubelet port straight, over WebSockets', () => {
    const execUrl = (command: string[], extra = '') =>
      `wss://127.0.0.1:${provider().kubeletPort}/exec/${ns}/shell/main?output=1&error=1${extra}&` +
      command.map((c) => `command=${encodeURIComponent(c)}`).join('&');
    const clientCert = () =>
      issueCertificate(env().controlPlane.ca, {
        commonName: 'exec-test-admin',
        organization: 'system:masters',
        usage: 'client',
      });

    /** Runs one exec; resolves with each channel's bytes as text. */
    const wsExec = (
      url: string,
      protocol: string,
      auth: { cert?: { certPem: string; keyPem: string }; token?: string },
      stdin?: string,
    ) =>
      new Promise<{ channels: Record<number, string>; status?: number }>((resolve) => {
        const ws = new WebSocket(url, [protocol], {
          rejectUnauthorized: false, // the client under test here is not the apiserver
          cert: auth.cert?.certPem,
          key: auth.cert?.keyPem,
          headers: auth.token ? { Authorization: `Bearer ${auth.token}` } : {},
        });
        const channels: Record<number, string> = {};
        ws.on('unexpected-response', (_req, res) => resolve({ channels, status: res.statusCode }));
        ws.on('open', () => {
          if (stdin === undefined) return;
          ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(stdin)]));
          ws.send(Buffer.from([255, 0]));
        });
        ws.on('message', (m: Buffer) => {
          const channel = m[0] ?? -1;
          channels[channel] = (channels[channel] ?? '') + m.subarray(1).toString();
        });
        ws.on('close', () => resolve({ channels }));
      });

    it('runs exec for a WebSocket client (v5, whose stdin close goes no further than the runtime; v4)', async () => {
      const cert = clientCert();
      const v5 = await wsExec(
        execUrl(['sh'], '&input=1'),
        'v5.channel.k8s.io',
        { cert },
        'echo piped\nexit\n',
      );
      assert.equal(v5.channels[1], 'piped\n');
      assert.deepEqual(JSON.parse(v5.channels[3] ?? '{}'), { metadata: {}, status: 'Success' });
      const v4 = await wsExec(execUrl(['sh', '-c', 'echo out; cat /nope; exit 2']), 'v4.channel.k8s.io', {
        cert,
      });
      assert.equal(v4.channels[1], 'out\n');
      assert.match(v4.channels[2] ?? '', /No such file/);
      const status = JSON.parse(v4.channels[3] ?? '{}') as {
        reason?: string;
        details?: { causes?: { reason?: string; message?: string }[] };
      };
      assert.equal(status.reason, 'NonZeroExitCode');
      assert.deepEqual(status.details?.causes, [{ reason: 'ExitCode', message: '2' }]);
    });

    it('refuses exec without credentials (401) and without nodes/proxy (403)', async () => {
      const url = execUrl(['echo', 'no']);
      assert.equal((await wsExec(url, 'v5.channel.k8s.io', {})).status, 401);
      const restricted = env().controlPlane.kubeConfig('restricted').getCurrentUser()?.token ?? '';
      assert.equal((await wsExec(url, 'v5.channel.k8s.io', { token: restricted })).status, 403);
    });
  });

  describe('CCI’s exec straight, as Kubernetes 1.19 serves it', () => {
    /** Opens CCI's exec WebSocket as the runtime does (signed), offering `protocols`. */
    const cciExec = (protocols: string[], command: string[]) => {
      const s = env().emulator.scenario;
      const client = new CloudClient('cci', env().emulator.endpoints.cci, s);
      const { url, headers } = new CciApi(client, s.projectId).podUpgradeRequest(
        cciNamespaceOf(env()),
        cciPodName(ns, 'shell'),
        'exec',
        { container: 'main', command, stdin: 'false', stdout: 'true', stderr: 'true', tty: 'false' },
      );
      return new Promise<{ status?: number; protocol?: string; channels: Record<number, string> }>(
        (resolve) => {
          const ws = new WebSocket(url, protocols, { headers });
          const channels: Record<number, string> = {};
          ws.on('unexpected-response', (_req, res) => resolve({ channels, status: res.statusCode }));
          ws.on('message', (m: Buffer) => {
            const channel = m[0] ?? -1;
            channels[channel] = (channels[channel] ?? '') + m.subarray(1).toString();
          });
          ws.on('close', () => resolve({ channels, protocol: ws.protocol }));
        },
      );
    };

    it('refuses a client offering only v5.channel.k8s.io (403), and agrees on v4 when it is offered too', async () => {
      const v5 = await cciExec(['v5.channel.k8s.io'], ['echo', 'hi']);
      assert.equal(v5.status, 403, 'a 1.19 streaming server does not know v5');
      const both = await cciExec(['v5.channel.k8s.io', 'v4.channel.k8s.io'], ['sh', '-c', 'echo hi; exit 3']);
      assert.equal(both.protocol, 'v4.channel.k8s.io');
      assert.equal(both.channels[1], 'hi\n');
      const status = JSON.parse(both.channels[3] ?? '{}') as { reason?: string };
      assert.equal(status.reason, 'NonZeroExitCode', 'v4 reports the exit code as a Status');
    });
  });

  describe('when the runtime stops', () => {
    it('ends open exec sessions instead of waiting for them', async () => {
      const child = spawn(
        'kubectl',
        ['--kubeconfig', kubeconfig(), 'exec', '-i', '-n', ns, 'shell', '--', 'cat'],
        {
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.stdin.write('still open\n');
      await waitFor('the session to echo', () => Promise.resolve(output === 'still open\n'));
      let errors = '';
      child.stderr.on('data', (d: Buffer) => (errors += d.toString()));
      await provider().stop(); // would wait for the session forever if it were left open
      const code = await exited;
      assert.notEqual(code, 0, 'kubectl sees its session end abnormally');
      assert.match(errors, /the virtual node is stopping its kubelet API/);
    });
  });
});
