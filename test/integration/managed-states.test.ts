// CCE-managed mode when things are not as they should be: an install that failed is never reported
// as installed again, and upgrade sends it again; an instance installed in the console is adopted
// only when it runs; vkctl's own runtime is refused beside it even without preflight; the statuses a
// wait meets besides running and the *Failed ones (available, abnormal, unknown); flags that do
// nothing for CCE's add-on are refused; the versions are listed before install; and the managed
// preflight, alone (doctor --pre --managed) and refusing an install.
import assert from 'node:assert/strict';
import { deleteReleases, listReleases, saveRelease } from '../../src/addon/release-store.js';
import type { Scenario } from '../env/emulator/state.js';
import { useTestEnvironment } from '../env/environment.js';
import { useManagedCli, type ManagedCli } from '../env/managed-cli.js';

const VK = 'virtual-kubelet';

describe('vkctl in CCE-managed mode: failed, foreign and mixed states (CLI)', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const managed = useManagedCli(env, 'managed-states');
  let tenant: Scenario;
  let namespace: string;
  let cli: ManagedCli['cli'];
  beforeEach(() => ({ tenant, namespace, cli } = managed()));
  const instances = () => managed().instances();
  const core = () => managed().core();
  const history = async () =>
    (await listReleases(core(), namespace)).map((r) => `${r.revision} ${r.version} ${r.status}`);

  /** An instance as the console leaves it: installed through CCE, with no vkctl record. */
  async function consoleInstall(): Promise<void> {
    const elsewhere = await env().createNamespace('console');
    const install = await cli(['install', '--managed'], elsewhere);
    assert.equal(install.code, 0, install.stderr);
    await deleteReleases(core(), elsewhere);
  }

  it('a failed install: install again refuses and says what to run, upgrade sends it again, then all is well', async () => {
    env().emulator.state.addonFaults.add({
      operation: 'install',
      template: VK,
      reason: 'install addon failed',
      message: 'image pull failed',
      times: 1,
    });
    assert.equal((await cli(['install', '--managed'])).code, 1);
    assert.deepEqual(await history(), ['1 1.5.82 failed']);

    for (const args of [
      ['install', '--managed'],
      ['install', '--managed', '--version', '1.5.82'],
    ]) {
      const again = await cli(args);
      assert.equal(again.code, 1, again.stdout);
      assert.match(
        again.stderr.trim(),
        /^Error: virtual-kubelet 1\.5\.82, which vkctl installed \(revision 1, failed\), is installFailed: install addon failed: image pull failed in CCE: vkctl upgrade sends it again, vkctl uninstall removes it$/,
      );
    }
    assert.deepEqual(await history(), ['1 1.5.82 failed'], 'nothing recorded as deployed');
    assert.equal(instances()[0]?.addon.status.status, 'installFailed', 'nothing asked of CCE');

    const diff = await cli(['diff']);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /^! sent again: the instance is installFailed: install addon failed/m);

    const upgrade = await cli(['upgrade']);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.match(upgrade.stdout, /sent Huawei's virtual-kubelet add-on 1\.5\.82 to CCE again/);
    assert.equal(instances()[0]?.addon.status.status, 'running');
    assert.deepEqual(await history(), ['1 1.5.82 failed', '2 1.5.82 deployed']);

    const unchanged = await cli(['install', '--managed']);
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.match(unchanged.stdout, /nothing to change/);
    assert.match((await cli(['upgrade'])).stdout, /already at the newest version/);
  });

  it('an upgrade that failed is never "nothing to change" nor "up to date"', async () => {
    assert.equal((await cli(['install', '--managed', '--version', '1.5.75'])).code, 0);
    env().emulator.state.addonFaults.add({ operation: 'upgrade', reason: 'UpgradeFailed', times: 1 });
    assert.equal((await cli(['upgrade'])).code, 1);
    const install = await cli(['install', '--managed']);
    assert.equal(install.code, 1);
    assert.match(install.stderr, /is upgradeFailed: UpgradeFailed: .* in CCE: vkctl upgrade sends it again/);
    const retry = await cli(['upgrade']);
    assert.equal(retry.code, 0, retry.stderr);
    assert.equal(instances()[0]?.addon.status.status, 'running');
    assert.equal(instances()[0]?.addon.status.currentVersion.version, '1.5.82');
  });

  it('a revision left pending once CCE had the instance: install names upgrade, which records it', async () => {
    assert.equal((await cli(['install', '--managed'])).code, 0);
    const [record] = await listReleases(core(), namespace);
    await saveRelease(core(), namespace, { ...record!, status: 'pending-install' });
    const install = await cli(['install', '--managed']);
    assert.equal(install.code, 1, install.stderr);
    assert.match(
      install.stderr,
      /\(revision 1, pending-install\), is running in CCE: vkctl upgrade sends it again/,
    );
    const upgrade = await cli(['upgrade']);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.deepEqual(await history(), ['1 1.5.82 superseded', '2 1.5.82 deployed']);
  });

  it('a failed upgrade over a deployed revision, the instance running again: upgrade sends it again, then install is content', async () => {
    assert.equal((await cli(['install', '--managed'])).code, 0);
    assert.equal((await cli(['upgrade', '--set', 'flavor.replicas=2'])).code, 0);
    // As a wait that timed out leaves it while CCE goes on to finish: revision 1 still deployed (a
    // failed upgrade supersedes nothing), revision 2 failed, the instance running.
    const [first, second] = await listReleases(core(), namespace);
    await saveRelease(core(), namespace, { ...first!, status: 'deployed' });
    await saveRelease(core(), namespace, { ...second!, status: 'failed', description: 'timed out' });
    assert.equal(instances()[0]?.addon.status.status, 'running');
    const install = await cli(['install', '--managed']);
    assert.equal(install.code, 1);
    assert.match(install.stderr, /\(revision 2, failed\), is running in CCE: vkctl upgrade sends it again/);
    const upgrade = await cli(['upgrade']);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.doesNotMatch(upgrade.stdout, /already at the newest version/);
    assert.deepEqual((await history()).slice(-1), ['3 1.5.82 deployed']);
    assert.equal((await cli(['install', '--managed'])).code, 0, 'nothing to change now');
  });

  it('an install CCE never took (no instance): upgrade says to install again, install does', async () => {
    await saveRelease(core(), namespace, {
      revision: 1,
      version: '1.5.82',
      status: 'failed',
      mode: 'managed',
      values: {},
      objects: [],
      description: 'Install failed: CCE refused it',
    });
    const upgrade = await cli(['upgrade']);
    assert.equal(upgrade.code, 1);
    assert.match(
      upgrade.stderr.trim(),
      /^Error: CCE never took vkctl's install of virtual-kubelet \(revision 1, failed: Install failed: CCE refused it\): nothing to upgrade; install it again/,
    );
    const install = await cli(['install', '--managed']);
    assert.equal(install.code, 0, install.stderr);
  });

  it('adopts an instance installed in the console only while it runs, and says who installed it', async () => {
    await consoleInstall();
    const [entry] = instances();
    assert.ok(entry);
    entry.addon.status = { ...entry.addon.status, status: 'installFailed', Reason: 'InstallFailed' };
    for (const args of [
      ['install', '--managed'],
      ['install', '--managed', '--interconnect'],
    ]) {
      const refused = await cli(args);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr.trim(),
        /^Error: virtual-kubelet 1\.5\.82 is installed in this cluster, not recorded by vkctl in \S+, and is installFailed: InstallFailed in CCE: only a running add-on is adopted; repair or uninstall it in the CCE console first$/,
      );
    }
    assert.deepEqual(await history(), []);

    entry.addon.status = { ...entry.addon.status, status: 'running', Reason: '' };
    const asked = await cli(['install', '--managed', '--interconnect']);
    assert.equal(asked.code, 1);
    assert.match(
      asked.stderr,
      /not recorded by vkctl in \S+: vkctl adopts it as it is when given no version or values/,
    );
    const adopt = await cli(['install', '--managed']);
    assert.equal(adopt.code, 0, adopt.stderr);
    assert.match(adopt.stdout, /recorded Huawei's virtual-kubelet add-on 1\.5\.82, installed outside vkctl/);
    assert.deepEqual(await history(), ['1 1.5.82 deployed']);
  });

  it('refuses vkctl’s own install beside a console-installed add-on, even when the checks are skipped', async () => {
    await consoleInstall();
    const own = await cli(['install', '--skip-checks', '--no-wait', '--node-name', `vk-${namespace}`]);
    assert.equal(own.code, 1, own.stdout);
    assert.match(
      own.stderr.trim(),
      /^Error: Huawei's virtual-kubelet add-on 1\.5\.82 is installed in this cluster \(CCE instance \S+, running\): uninstall it \(CCE console: Add-ons\) before installing vkctl's own runtime; pass --managed to adopt it instead$/,
    );
    assert.deepEqual(await history(), [], 'nothing recorded');
  });

  it('refuses the managed add-on beside vkctl’s own runtime whose last record failed', async () => {
    await saveRelease(core(), namespace, {
      revision: 1,
      version: '0.2.0',
      status: 'failed',
      values: {},
      objects: [],
    });
    const managed = await cli(['install', '--managed']);
    assert.equal(managed.code, 1);
    assert.match(managed.stderr, /vkctl's own runtime 0\.2\.0 is recorded \(failed\) in \S+ \(revision 1\)/);
    assert.equal(instances().length, 0, 'nothing asked of CCE');
  });

  it('follows the other statuses CCE reports: available is ready, unknown failed, abnormal waited on', async () => {
    const faults = env().emulator.state.addonFaults;
    const available = faults.add({ operation: 'install', status: 'available', reason: 'partially ready' });
    const install = await cli(['install', '--managed']);
    assert.equal(install.code, 0, install.stderr);
    assert.equal(available.hits, 1);
    const ready = await cli(['status', '-o', 'json']);
    assert.equal(ready.code, 0, ready.stdout);
    assert.equal((JSON.parse(ready.stdout) as { addon: { status: string } }).addon.status, 'available');
    available.remove();
    assert.equal((await cli(['uninstall', '--yes'])).code, 0);

    faults.add({
      operation: 'install',
      status: 'unknown',
      reason: 'NoStatus',
      message: 'release lost',
      times: 1,
    });
    const unknown = await cli(['install', '--managed']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /is unknown: NoStatus: release lost/);
    assert.equal((await cli(['uninstall', '--yes'])).code, 0);

    faults.add({
      operation: 'install',
      status: 'abnormal',
      reason: 'PodsNotReady',
      message: '0/1 ready',
      times: 1,
    });
    const abnormal = await cli(['install', '--managed', '--timeout', '3s']);
    assert.equal(abnormal.code, 1);
    assert.match(abnormal.stderr, /not done after 3 s \(status abnormal: PodsNotReady: 0\/1 ready\)/);
    const status = await cli(['status', '-o', 'json']);
    assert.equal(status.code, 1, 'not running');
    const { addon } = JSON.parse(status.stdout) as { addon: { status: string; reason: string } };
    assert.deepEqual([addon.status, addon.reason], ['abnormal', 'PodsNotReady: 0/1 ready']);
  });

  it('refuses the flags that do nothing for CCE’s add-on, and lists the versions before install', async () => {
    const list = await cli(['install', '--managed', '--list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^VERSION\s+INSTALLED\s+CLUSTERS\n1\.5\.82\s+VirtualMachine/);
    assert.match(list.stdout, /^1\.5\.75\s/m);
    assert.doesNotMatch(list.stdout, /^1\.5\.27/m, 'not offered for a v1.33 cluster');
    const json = await cli(['install', '--managed', '--list', '-o', 'json']);
    const { versions } = JSON.parse(json.stdout) as { versions: { version: string; installed: boolean }[] };
    assert.deepEqual(
      versions.map((v) => `${v.version} ${v.installed}`),
      ['1.5.82 false', '1.5.75 false'],
    );
    assert.deepEqual(await history(), [], '--list installs nothing');
    assert.equal(instances().length, 0);

    assert.equal((await cli(['install', '--managed', '--version', '1.5.75'])).code, 0);
    for (const [args, flag] of [
      [['upgrade', '--no-rollback'], '--no-rollback applies'],
      [['upgrade', '--force', '--no-rollback'], '--force, --no-rollback apply'],
      [['uninstall', '--yes', '--force'], '--force applies'],
    ] as const) {
      const refused = await cli([...args]);
      assert.equal(refused.code, 2, refused.stdout);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`^Error: ${flag} to vkctl's own runtime`));
    }
    const listing = await cli(['upgrade', '--list', '--version', '1.5.82']);
    assert.equal(listing.code, 2, 'a change beside --list is refused, not dropped');
    assert.match(listing.stderr, /--version=1\.5\.82 cannot also be provided when using --list/);
    assert.equal(instances()[0]?.addon.spec.version, '1.5.75', 'nothing changed');
    const uninstall = await cli(['uninstall']);
    assert.equal(uninstall.code, 2);
    assert.match(
      uninstall.stderr,
      /uninstall removes Huawei's virtual-kubelet add-on 1\.5\.75 \(CCE instance \S+\): pass --yes/,
    );
  });

  it('doctor --pre --managed checks the cluster for the managed add-on; a failing check refuses the install', async () => {
    const pre = await cli(['doctor', '--pre', '--managed', '-o', 'json']);
    assert.equal(pre.code, 0, pre.stdout);
    const checks = (JSON.parse(pre.stdout) as { checks: { id: string; status: string; message: string }[] })
      .checks;
    assert.deepEqual(
      checks.filter((c) => c.status !== 'ok'),
      [],
    );
    assert.match(
      checks.find((c) => c.id === 'managed-version-offered')?.message ?? '',
      /^1\.5\.82, 1\.5\.75/,
    );
    assert.ok(!checks.some((c) => c.id === 'node-name-free'), 'not the own runtime’s table');

    const cluster = env().emulator.state.clusters.get(tenant.clusterId)!.cluster;
    cluster.spec.containerNetwork.mode = 'overlay_l2';
    const install = await cli(['install', '--managed']);
    assert.equal(install.code, 1, install.stdout);
    assert.match(install.stderr, /preflight checks failed: .*overlay_l2/);
    assert.equal(instances().length, 0, 'nothing asked of CCE');
    assert.deepEqual(await history(), []);
  });
});
