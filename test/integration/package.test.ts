// The npm package as a user gets it: `npm pack` (which builds, and writes the oclif manifest), then
// `npm install -g` of the tarball into a fresh prefix, then the installed `vkctl` against the test
// control plane and the emulator: its version, its help, validate, doctor --pre and an install dry
// run, which needs the add-on's manifests from inside the package.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG, cliVersion } from '../../src/shared/catalog.js';
import { useTestEnvironment, vkctlEnvironment } from '../env/environment.js';
import { runProcess } from '../env/run-cli.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/validate');

describe('the npm package, installed globally', function () {
  this.timeout(300_000);
  const env = useTestEnvironment();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-package-'));
  const prefix = path.join(dir, 'prefix');
  const vkctl = (args: string[]) =>
    runProcess(path.join(prefix, 'bin', 'vkctl'), args, {
      env: { ...vkctlEnvironment(env()), NO_COLOR: '1' },
    });
  let files: string[] = [];

  before(async function () {
    this.timeout(300_000);
    const packed = await runProcess('npm', ['pack', '--json', '--pack-destination', dir]);
    assert.equal(packed.code, 0, packed.stderr);
    // prepack's own output comes first; the JSON report is the rest.
    const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    if (!report) throw new Error(`npm pack reported nothing: ${packed.stdout}`);
    files = report.files.map((f) => f.path);
    const installed = await runProcess('npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      path.join(dir, report.filename),
    ]);
    assert.equal(installed.code, 0, installed.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the compiled commands, the oclif manifest and the add-on’s manifests, and no sources or tests', () => {
    assert.ok(files.includes('oclif.manifest.json'));
    assert.ok(files.includes('dist/commands/install.js'));
    // Every released version's manifests: rollback and upgrade --version deploy them from the package.
    for (const { version } of CATALOG)
      assert.ok(
        files.some((f) => f.startsWith(`manifests/${version}/`)),
        `manifests/${version}/`,
      );
    assert.deepEqual(
      files.filter((f) => /^(src|test|bench)\//.test(f)),
      [],
    );
  });

  it('runs: version, help, validate', async () => {
    const version = await vkctl(['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.ok(version.stdout.startsWith(`vkctl/${cliVersion()} `), version.stdout);
    const help = await vkctl(['--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const command of ['install', 'upgrade', 'uninstall', 'doctor', 'validate', 'proxy'])
      assert.match(help.stdout, new RegExp(`\\n\\s+${command}\\s`), command);
    const ok = await vkctl(['validate', '-f', path.join(fixtures, 'burstable.yaml')]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const mixed = await vkctl(['validate', '-f', path.join(fixtures, 'mixed.yaml')]);
    assert.equal(mixed.code, 1, 'a workload that cannot burst');
  });

  it('runs against a cluster: doctor --pre, and an install dry run from the packaged manifests', async () => {
    const doctor = await vkctl(['doctor', '--pre']);
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    const namespace = await env().createNamespace('packaged');
    const dry = await vkctl(['install', '-n', namespace, '--dry-run', '--node-name', `vk-${namespace}`]);
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /kind: Deployment/);
    assert.match(dry.stdout, /kind: MutatingWebhookConfiguration/);
  });
});
