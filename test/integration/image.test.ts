// The runtime image is what runs: `npm run image` builds (or reuses) the OCI archive, skopeo reads
// its config, umoci unpacks its root, and its entrypoint runs from that root under chroot as the
// image's user, first for `--version`, then as `provider run` against the test control plane and
// the emulator until its virtual node is Ready (test/env/sandbox/image.ts says how it is run).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { defaultScenario } from '../env/emulator/state.js';
import { useTestEnvironment } from '../env/environment.js';
import { freePort, ManagedProcess } from '../env/processes.js';
import { runProcess } from '../env/run-cli.js';
import { waitFor } from '../env/wait.js';
import {
  PROXY_CONTAINER,
  PROXY_STOP_COMMAND,
  PROXY_WAIT_COMMAND,
  withProxySidecar,
} from '../../src/provider/interconnect/sidecar.js';
import { COMMANDS } from '../../src/image-entry.js';
import {
  buildImage,
  imageCommand,
  imageConfig,
  skopeoInspect,
  unpackImage,
  type BuiltImage,
  type ImageConfig,
} from '../env/sandbox/image.js';

const OCI_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64' };
const packageVersion = () =>
  (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

interface Sbom {
  metadata: { component: { type: string; name: string; version: string } };
  components: { name: string; version: string; purl?: string }[];
}

describe('the runtime image’s program (src/image-entry.ts)', () => {
  it('has every command the Deployment and the interconnect sidecar run', () => {
    const deployment = readFileSync(`manifests/${packageVersion()}/50-deployment.yaml`, 'utf8');
    const ids = Object.keys(COMMANDS);
    // Every container's (the runtime's and the approver's).
    const commands = [...deployment.matchAll(/^\s+args:\n\s+- (\S+)\n\s+- (\S+)$/gm)].map(
      ([, first, second]) => `${first}:${second}`,
    );
    assert.deepEqual(commands, ['provider:run', 'provider:approver']);
    for (const command of commands) assert.ok(ids.includes(command), `${command} in ${ids.join(', ')}`);
    for (const command of [PROXY_WAIT_COMMAND, PROXY_STOP_COMMAND])
      assert.ok(ids.includes(command.slice(1, 3).join(':')), command.join(' '));
    const sidecar = withProxySidecar(
      { spec: { containers: [] } },
      { image: 'x', clusterDomain: 'cluster.local' },
    );
    assert.ok(ids.includes(sidecar.spec?.containers[0]?.args?.[0] ?? ''));
  });
});

describe('the runtime image (npm run image)', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-image-test-'));
  let image: BuiltImage;
  let config: ImageConfig;
  let rootfs: string;

  before(async function () {
    // A cold build downloads a few Debian packages and bundles; later runs reuse the archive.
    this.timeout(600_000);
    image = await buildImage();
    config = await imageConfig(image);
    rootfs = await unpackImage(image, path.join(dir, 'image'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is an OCI archive of vkctl/vkctl:<version> for this machine, run as 65532 by node /app/vkctl.mjs', async () => {
    const inspected = (await skopeoInspect(image.archive)) as {
      Architecture: string;
      Os: string;
      Digest: string;
    };
    assert.equal(inspected.Os, 'linux');
    assert.equal(inspected.Architecture, OCI_ARCH[process.arch]);
    assert.match(inspected.Digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(config.config.User, '65532:65532');
    assert.deepEqual(config.config.Entrypoint, ['/usr/bin/node', '/app/vkctl.mjs']);
    assert.ok(config.config.Env?.includes('NODE_ENV=production'), String(config.config.Env));
    assert.equal(config.config.Labels?.['org.opencontainers.image.version'], image.version);
    assert.equal(config.config.Labels?.['org.opencontainers.image.ref.name'], image.reference);

    // Its SBOM: the image, the npm production dependencies, node and the Debian packages.
    const sbom = JSON.parse(readFileSync(image.sbom, 'utf8')) as Sbom;
    assert.equal(sbom.metadata.component.type, 'container');
    assert.equal(sbom.metadata.component.version, image.version);
    const purls = sbom.components.map((c) => c.purl ?? '');
    for (const pkg of ['libc6', 'libstdc++6', 'ca-certificates'])
      assert.ok(
        purls.some((p) => p.startsWith(`pkg:deb/debian/${pkg}@`)),
        `${pkg} in the SBOM`,
      );
    assert.ok(purls.some((p) => p.startsWith('pkg:npm/%40kubernetes/client-node@')));
    assert.ok(purls.some((p) => p === `pkg:generic/node@${process.versions.node}`));
    assert.ok(!purls.some((p) => /^pkg:npm\/(mocha|esbuild|typescript)@/.test(p)), 'no dev dependency');
  });

  it('has node and the bundle in its root, and no shell, package manager or node_modules', () => {
    for (const absent of ['bin/sh', 'bin/bash', 'usr/bin/sh', 'usr/bin/apt-get', 'usr/bin/dpkg', 'sbin'])
      assert.ok(!existsSync(path.join(rootfs, absent)), `/${absent} is not in the image`);
    assert.deepEqual(readdirSync(path.join(rootfs, 'usr/bin')), ['node']);
    assert.deepEqual(readdirSync(path.join(rootfs, 'app')).sort(), ['package.json', 'vkctl.mjs']);
    assert.match(readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8'), /^nonroot:x:65532:65532:/m);
    assert.ok(readFileSync(path.join(rootfs, 'etc/ssl/certs/ca-certificates.crt'), 'utf8').includes('BEGIN'));
  });

  it('runs its entrypoint as 65532: --version, and `vkctl` by name as the proxy’s exec hooks do', async () => {
    const version = imageCommand(config, rootfs, ['--version']);
    const byEntrypoint = await runProcess(version.command, version.args);
    assert.equal(byEntrypoint.code, 0, byEntrypoint.stderr);
    assert.match(byEntrypoint.stdout, new RegExp(`^vkctl/${image.version.replaceAll('.', '\\.')} linux-`));
    assert.equal(byEntrypoint.stderr, '');
    const byName = imageCommand(config, rootfs, ['-v'], { command: ['vkctl'] });
    const named = await runProcess(byName.command, byName.args);
    assert.equal(named.stdout, byEntrypoint.stdout, named.stderr);
    const whoami = imageCommand(config, rootfs, ['-p', 'process.getuid() + ":" + process.getgid()'], {
      command: ['/usr/bin/node'],
    });
    assert.equal((await runProcess(whoami.command, whoami.args)).stdout.trim(), '65532:65532');
  });

  it('serves as the interconnect sidecar: the proxy as CCI pods get it, its postStart hook and the stop exec', async function () {
    this.timeout(90_000);
    // The proxy container exactly as the runtime adds it to a CCI pod; its network is this machine's,
    // so DNS and the status port go to free ports (as in the interconnect test).
    const pod = withProxySidecar(
      { metadata: { name: 'app' }, spec: { containers: [{ name: 'app', image: 'app' }] } },
      {
        image: image.reference,
        clusterDomain: 'cluster.local',
        upstreamDns: `127.0.0.1:${await freePort()}`,
      },
    );
    const proxy = pod.spec?.containers.find((c) => c.name === PROXY_CONTAINER);
    assert.ok(proxy?.args && !proxy.command, 'the proxy runs the image’s entrypoint');
    const kubeconfig =
      proxy.args.find((a) => a.startsWith('--kubeconfig='))?.slice('--kubeconfig='.length) ?? '';
    mkdirSync(path.dirname(path.join(rootfs, kubeconfig)), { recursive: true });
    copyFileSync(env().controlPlane.cluster.adminKubeconfigPath, path.join(rootfs, kubeconfig));
    const dnsPort = await freePort();
    const args = [
      ...proxy.args.map((a) => (a.startsWith('--dns-address=') ? `--dns-address=127.0.0.1:${dnsPort}` : a)),
      `--status-port=${await freePort()}`,
    ];
    const user = `${proxy.securityContext?.runAsUser ?? 65532}`;
    const run = imageCommand(config, rootfs, args, { user });
    const sidecar = ManagedProcess.spawn('proxy (image)', run.command, run.args, path.join(dir, 'proxy.log'));
    const exited = new Promise<number | null>((resolve) => sidecar.child.once('exit', resolve));
    try {
      // The kubelet execs the hook, then the runtime its stop command, in the proxy's container.
      const hookCommand = proxy.lifecycle?.postStart?.exec?.command ?? [];
      assert.deepEqual(hookCommand, PROXY_WAIT_COMMAND);
      const hook = imageCommand(config, rootfs, [], { command: hookCommand, user });
      const ready = await runProcess(hook.command, hook.args);
      assert.equal(ready.code, 0, `${ready.stderr}\n${sidecar.logTail()}`);
      assert.match(ready.stdout, /proxy ready/);
      const stop = imageCommand(config, rootfs, [], { command: PROXY_STOP_COMMAND, user });
      const stopped = await runProcess(stop.command, stop.args);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(await exited, 0, sidecar.logTail());
    } finally {
      await sidecar.kill();
    }
  });

  it('runs provider run from its root until the virtual node is Ready, writing nothing to the root', async function () {
    this.timeout(180_000);
    // Its own account, as the CLI test's runtime has (CCI's namespace quota is per account).
    const s = defaultScenario(env().emulator.state);
    const nodeName = `vk-image-${randomBytes(3).toString('hex')}`;
    // Files where a pod would have them mounted; the kubeconfig stands in for the ServiceAccount.
    mkdirSync(path.join(rootfs, 'etc/vkctl'), { recursive: true });
    writeFileSync(
      path.join(rootfs, 'etc/vkctl/config.yaml'),
      stringify({ region: s.region, clusterId: s.clusterId, nodeName, endpoints: env().emulator.endpoints }),
    );
    const kubeconfig = '/var/run/secrets/vkctl-test/kubeconfig';
    mkdirSync(path.dirname(path.join(rootfs, kubeconfig)), { recursive: true });
    copyFileSync(env().controlPlane.cluster.adminKubeconfigPath, path.join(rootfs, kubeconfig));
    chownSync(path.join(rootfs, kubeconfig), 65532, 65532);
    // A read-only root as far as 65532 goes: not even /tmp or its home is writable.
    chmodSync(path.join(rootfs, 'tmp'), 0o755);
    chownSync(path.join(rootfs, 'home/nonroot'), 0, 0);

    const healthPort = await freePort();
    const run = imageCommand(
      config,
      rootfs,
      ['provider', 'run', '--config=/etc/vkctl/config.yaml', `--health-port=${healthPort}`],
      {
        env: {
          KUBECONFIG: kubeconfig,
          HUAWEICLOUD_SDK_AK: s.accessKey,
          HUAWEICLOUD_SDK_SK: s.secretKey,
          POD_NAME: nodeName,
          POD_NAMESPACE: 'kube-system',
        },
      },
    );
    const runtime = ManagedProcess.spawn(
      'provider run (image)',
      run.command,
      run.args,
      path.join(dir, 'run.log'),
    );
    const exited = new Promise<number | null>((resolve) => runtime.child.once('exit', resolve));
    try {
      await runtime.waitUntil(
        async () => {
          const node = await env().core.readNode({ name: nodeName });
          return !!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        },
        90_000,
        `its node ${nodeName} was Ready`,
      );
      const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
      assert.equal(await health.text(), 'ok');
      await waitFor(
        'the runtime to be ready',
        async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
      );
      runtime.child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<string>((resolve) =>
          setTimeout(() => resolve('still running 20 s after SIGTERM'), 20_000),
        ),
      ]);
      assert.equal(code, 0, runtime.logTail());
    } finally {
      await runtime.kill();
      await env()
        .core.deleteNode({ name: nodeName })
        .catch(() => undefined);
    }
  });
});
