// The CLI where a kubectl or helm user has expectations, on the real control plane with an add-on
// installed (the library's install, not waiting; the virtual node registered by the runtime's own
// node code, which is what reports the runtime's version): `version` shows the CLI, the add-on and
// the runtime, -o yaml is the --json data, `diff` exits 1 on differences and 0 without, `status`
// exits 1 with nothing installed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cliVersion } from '../../src/shared/catalog.js';
import { install } from '../../src/addon/install.js';
import { VirtualNode } from '../../src/provider/node.js';
import type { Logger } from '../../src/provider/logger.js';
import { installRequest, removeAddon } from '../env/addon.js';
import { useTestEnvironment, vkctlEnvironment } from '../env/environment.js';
import { runVkctl } from '../env/run-cli.js';

const VERSION = cliVersion();
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('vkctl as kubectl and helm users expect it (CLI, on the control plane)', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  let ns = '';
  let empty = '';
  let node: VirtualNode | undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-parity-'));
  /** A kubeconfig whose apiserver refuses connections. */
  const unreachableKubeconfig = () => {
    const file = path.join(dir, 'unreachable');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    return file;
  };
  const vkctl = (...args: string[]) => runVkctl(args, { env: vkctlEnvironment(env()) });

  before(async () => {
    ns = await env().createNamespace('parity');
    empty = await env().createNamespace('parity-empty');
    const result = await install(installRequest(env(), ns, { preflight: undefined }));
    assert.equal(result.outcome, 'installed', JSON.stringify(result));
    node = new VirtualNode(
      env().kc,
      {
        name: `vk-${ns}`,
        capacity: { cpu: '8', memory: '16Gi', pods: '10' },
        address: '127.0.0.1',
        kubeletPort: 10250,
        version: VERSION,
      },
      quiet,
    );
    await node.start();
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    node?.stop();
    await removeAddon(env(), ns);
    await env()
      .core.deleteNode({ name: `vk-${ns}` })
      .catch(() => undefined);
  });

  it('version -o yaml shows the CLI’s, the installed add-on’s and the running runtime’s versions', async () => {
    const { code, stdout, stderr } = await vkctl('version', '-o', 'yaml', '-n', ns);
    assert.equal(code, 0, stderr);
    const versions = parseYaml(stdout) as Record<string, Record<string, unknown>>;
    assert.deepEqual(versions, {
      clientVersion: {
        version: VERSION,
        platform: `${process.platform}-${process.arch}`,
        nodejs: process.version,
      },
      addonVersion: { version: VERSION, revision: 1, status: 'deployed', namespace: ns },
      runtimeVersion: {
        version: VERSION,
        node: `vk-${ns}`,
        ready: true,
        image: versions.runtimeVersion?.image,
      },
    });
    assert.match(String(versions.runtimeVersion?.image), new RegExp(`:${VERSION.replaceAll('.', '\\.')}$`));
    // The same data as --json, and in words without -o.
    const json = await vkctl('version', '--json', '-n', ns);
    assert.deepEqual(JSON.parse(json.stdout), versions);
    const text = await vkctl('version', '-n', ns);
    assert.equal(
      text.stdout,
      [
        `Client Version: ${VERSION}`,
        `Add-on Version: ${VERSION} (revision 1, deployed, in ${ns})`,
        `Runtime Version: ${VERSION} (node vk-${ns}, image ${String(versions.runtimeVersion?.image)})`,
        '',
      ].join('\n'),
    );
  });

  it('version says when nothing is installed (exit 0), and prints its own version before an unreachable cluster’s error (exit 1)', async () => {
    const none = await vkctl('version', '-n', empty);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, `Client Version: ${VERSION}\nAdd-on Version: not installed in ${empty}\n`);
    const kubeconfig = unreachableKubeconfig();
    const unreachable = await runVkctl(['version', '--kubeconfig', kubeconfig]);
    assert.equal(unreachable.code, 1);
    assert.equal(unreachable.stdout, `Client Version: ${VERSION}\n`);
    assert.equal(unreachable.stderr.trim().split('\n').length, 1);
    assert.match(unreachable.stderr, /^Error: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1/);
    const data = await runVkctl(['version', '-o', 'json', '--kubeconfig', kubeconfig]);
    assert.equal(data.code, 1);
    assert.equal(
      (JSON.parse(data.stdout) as { clientVersion: { version: string } }).clientVersion.version,
      VERSION,
    );
  });

  it('diff exits 0 without differences and 1 with them; a failure 2, a usage error 3 (as kubectl diff)', async () => {
    const same = await vkctl('diff', '-n', ns);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, 'no changes\n');
    const changed = await vkctl('diff', '-n', ns, '--set', 'replicas=2');
    assert.equal(changed.code, 1, changed.stderr);
    assert.match(changed.stdout, new RegExp(`^~ Deployment/${ns}/vkctl-provider$`, 'm'));
    const data = await vkctl('diff', '-n', ns, '--set', 'replicas=2', '-o', 'yaml');
    assert.equal(data.code, 1, data.stderr);
    const { changes } = parseYaml(data.stdout) as { changes: { object: string; change: string }[] };
    assert.ok(changes.some((c) => c.object === `Deployment/${ns}/vkctl-provider` && c.change === 'change'));
    // Nothing installed to compare with, like a cluster that cannot be reached, is a failure (2).
    const none = await vkctl('diff', '-n', empty);
    assert.equal(none.code, 2, none.stdout);
    assert.equal(none.stderr, `Error: vkctl is not installed in ${empty}: use vkctl install\n`);
    const failed = await runVkctl(['diff', '--kubeconfig', unreachableKubeconfig()]);
    assert.equal(failed.code, 2, failed.stderr);
    assert.match(failed.stderr, /^Error: cannot reach the Kubernetes API/);
    const usage = await vkctl('diff', '--sett', 'replicas=2');
    assert.equal(usage.code, 3);
    assert.match(usage.stderr, /did you mean --set\?/);
  });

  it('status exits 1 with nothing installed, as helm status; -o yaml is the --json data', async () => {
    const none = await vkctl('status', '-n', empty);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /not installed/);
    const json = await vkctl('status', '-n', ns, '--json');
    const yaml = await vkctl('status', '-n', ns, '-o', 'yaml');
    assert.equal(json.code, 0, json.stderr);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.deepEqual(parseYaml(yaml.stdout), JSON.parse(json.stdout));
    const history = await vkctl('history', '-n', ns, '-o', 'yaml');
    assert.deepEqual(
      parseYaml(history.stdout),
      JSON.parse((await vkctl('history', '-n', ns, '-o', 'json')).stdout),
    );
  });
});
