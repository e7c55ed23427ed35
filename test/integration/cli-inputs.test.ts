// What a kubectl user types, as the packaged CLI takes it (issue 18): a KUBECONFIG list merged as
// kubectl merges it, the context's namespace as burst's default, and validate -f on a directory.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { useTestEnvironment } from '../env/environment.js';
import { runVkctl } from '../env/run-cli.js';

describe('kubectl-style inputs (CLI)', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-cli-inputs-'));

  /** The admin kubeconfig with its context's namespace set, written to its own file. */
  function kubeconfigWithNamespace(namespace: string): string {
    const config = parse(readFileSync(env().controlPlane.cluster.adminKubeconfigPath, 'utf8')) as {
      contexts: { context: { namespace?: string } }[];
    };
    for (const c of config.contexts) c.context.namespace = namespace;
    const file = path.join(dir, `kubeconfig-${namespace}`);
    writeFileSync(file, stringify(config));
    return file;
  }

  it('burst defaults to the namespace of a context found through a KUBECONFIG list', async () => {
    const namespace = await env().createNamespace('ctx-ns');
    await env().apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx' }] },
          },
        },
      },
    });
    // A missing file first, the namespaced kubeconfig, and the admin one (same names: first wins).
    const list = [
      path.join(dir, 'missing'),
      kubeconfigWithNamespace(namespace),
      env().controlPlane.cluster.adminKubeconfigPath,
    ];
    const { code, stdout, stderr } = await runVkctl(['burst', 'deployment/web', '--policy', 'enforce'], {
      env: { KUBECONFIG: list.join(path.delimiter) },
    });
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), `deployment/web in ${namespace}: burst-to-cci=enforce`);
    const web = await env().apps.readNamespacedDeployment({ namespace, name: 'web' });
    assert.equal(web.metadata?.labels?.['virtual-kubelet.io/burst-to-cci'], 'enforce');
  });

  it('a KUBECONFIG list with the same file twice and a missing one is read (status), as kubectl reads it', async () => {
    const admin = env().controlPlane.cluster.adminKubeconfigPath;
    const { code, stdout, stderr } = await runVkctl(['status', '-n', 'nothing-here'], {
      env: { KUBECONFIG: [path.join(dir, 'missing'), admin, admin].join(path.delimiter) },
    });
    assert.equal(code, 1, 'nothing installed there');
    assert.match(`${stdout}${stderr}`, /vkctl is not installed in nothing-here/);
  });

  it('a KUBECONFIG list none of whose files exists: one line, exit 2', async () => {
    const { code, stderr } = await runVkctl(['status'], {
      env: { KUBECONFIG: [path.join(dir, 'x'), path.join(dir, 'y')].join(path.delimiter) },
    });
    assert.equal(code, 2);
    assert.match(
      stderr.trim(),
      /^Error: no kubeconfig found: none of the files KUBECONFIG lists exists \(.*\/y\)$/,
    );
  });

  it('validate -f reads a directory, and -R its subdirectories', async () => {
    const fixtures = 'test/fixtures/validate';
    const top = await runVkctl(['validate', '-f', fixtures, '--json']);
    assert.equal(top.code, 1, top.stderr);
    const all = JSON.parse(top.stdout) as { results: { name: string }[] };
    const one = JSON.parse(
      (await runVkctl(['validate', '-f', `${fixtures}/mixed.yaml`, '--json'])).stdout,
    ) as {
      results: unknown[];
    };
    const other = JSON.parse(
      (await runVkctl(['validate', '-f', `${fixtures}/burstable.yaml`, '--json'])).stdout,
    ) as { results: unknown[] };
    assert.equal(
      all.results.length,
      one.results.length + other.results.length,
      'both files of the directory',
    );
    // more/worker.yaml, a subdirectory's only manifest: read with -R alone.
    assert.ok(!all.results.some((r) => r.name === 'worker'), 'no subdirectory without -R');
    const recursive = await runVkctl(['validate', '-f', fixtures, '-R', '--json']);
    assert.equal(recursive.code, 1, recursive.stderr);
    const deep = JSON.parse(recursive.stdout) as { results: { name: string }[] };
    assert.deepEqual(
      deep.results.map((r) => r.name).sort(),
      [...all.results.map((r) => r.name), 'worker'].sort(),
      'the directory’s files and its subdirectory’s',
    );
    const list = await runVkctl([
      'validate',
      '-f',
      `${fixtures}/burstable.yaml,${fixtures}/mixed.yaml`,
      '--json',
    ]);
    assert.equal((JSON.parse(list.stdout) as { results: unknown[] }).results.length, all.results.length);
    const url = await runVkctl(['validate', '-f', 'https://example.invalid/x.yaml']);
    assert.equal(url.code, 2);
    assert.match(
      url.stderr.trim(),
      /^Error: -f https:\/\/example\.invalid\/x\.yaml: validate reads files and standard input only/,
    );
  });
});
