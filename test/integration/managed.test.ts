// CCE-managed mode (issue 21) as a user runs it: the packaged CLI against the control plane and the
// emulated CCE add-on API. install --managed --interconnect reaches running with the switch in its
// values; upgrade goes to the newest version, then says it is already there; a version CCE does not
// offer is refused; a failed install reports CCE's reason and exits 1; status and doctor follow the
// recorded mode; uninstall waits until CCE no longer has the instance; mixed states are refused;
// diff finds a changed secret without showing it. More states: managed-states.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { saveRelease, listReleases } from '../../src/addon/release-store.js';
import { healthyNodeConditions } from '../../src/kube/node-conditions.js';
import type { Scenario } from '../env/emulator/state.js';
import { useTestEnvironment } from '../env/environment.js';
import { useManagedCli, type ManagedCli } from '../env/managed-cli.js';

const VK = 'virtual-kubelet';

describe('vkctl in CCE-managed mode (CLI)', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const managed = useManagedCli(env, 'managed');
  let tenant: Scenario;
  let namespace: string;
  let cli: ManagedCli['cli'];
  beforeEach(() => ({ tenant, namespace, cli } = managed()));
  const instances = () => managed().instances();
  const core = () => managed().core();

  it('installs with interconnect, upgrades to the newest, says when it is there, refuses what CCE does not offer, uninstalls', async () => {
    const install = await cli([
      'install',
      '--managed',
      '--interconnect',
      '--version',
      '1.5.75',
      '-o',
      'json',
    ]);
    assert.equal(install.code, 0, install.stderr);
    const installed = JSON.parse(install.stdout) as { outcome: string; version: string; addonId: string };
    assert.equal(installed.outcome, 'installed');
    const [instance] = instances();
    assert.ok(instance, 'CCE has the instance');
    assert.equal(instance.addon.status.status, 'running');
    assert.equal(instance.addon.spec.version, '1.5.75');
    const values = instance.addon.spec.values as {
      basic: Record<string, string>;
      custom: Record<string, unknown>;
    };
    assert.equal(values.custom.isInstallProxy, 'true', 'the interconnect switch, as the template types it');
    assert.equal(values.custom.subnet_id, tenant.neutronSubnetId, 'the Neutron subnet ID');
    assert.equal(values.basic.cluster_id, tenant.clusterId);
    assert.equal(values.basic.project_id, tenant.projectId);
    const [record] = await listReleases(core(), namespace);
    assert.equal(record?.mode, 'managed');
    assert.equal(record?.addonId, installed.addonId);

    const list = await cli(['upgrade', '--list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^1\.5\.82\s/m);
    assert.match(list.stdout, /^1\.5\.75\s+\*/m, 'the installed one marked');
    assert.doesNotMatch(list.stdout, /1\.5\.27/, 'not offered for a v1.33 cluster');

    const refused = await cli(['upgrade', '--version', '1.5.27']);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr.trim(),
      /^Error: CCE does not offer virtual-kubelet 1\.5\.27 for this cluster \(v1\.33\); offered: 1\.5\.82, 1\.5\.75$/,
    );

    const diff = await cli(['diff']);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /~ version: "1\.5\.75" → "1\.5\.82"/);

    const upgrade = await cli(['upgrade']);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.match(upgrade.stdout, /upgraded Huawei's virtual-kubelet add-on 1\.5\.75 → 1\.5\.82/);
    assert.match(upgrade.stderr, /virtual-kubelet 1\.5\.82: upgrading/, 'progress on stderr');
    assert.equal(instances()[0]?.addon.spec.version, '1.5.82');
    assert.equal(
      (instances()[0]?.addon.spec.values as { custom: Record<string, unknown> }).custom.isInstallProxy,
      'true',
      'the switch kept across the upgrade',
    );

    const again = await cli(['upgrade']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      /1\.5\.82 is installed: already at the newest version CCE offers for this cluster/,
    );
    const unchanged = await cli(['diff']);
    assert.equal(unchanged.code, 0, unchanged.stderr);

    const history = await cli(['history', '-o', 'json']);
    const { revisions } = JSON.parse(history.stdout) as { revisions: { status: string; version: string }[] };
    assert.deepEqual(
      revisions.map((r) => `${r.version} ${r.status}`),
      ['1.5.75 superseded', '1.5.82 deployed'],
    );

    const uninstall = await cli(['uninstall', '--yes']);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    assert.equal(instances().length, 0, 'CCE no longer has it');
    assert.deepEqual(await listReleases(core(), namespace), []);
  });

  it('diff and upgrade --dry-run see a changed secret without showing it, and show the values CCE would get', async () => {
    const install = await cli(['install', '--managed', '--set', 'custom.password=first-secret']);
    assert.equal(install.code, 0, install.stderr);
    const set = ['--set', 'custom.password=second-secret'];

    const diff = await cli(['diff', ...set]);
    assert.equal(diff.code, 1, 'a new password alone is a change');
    assert.match(diff.stdout, /^~ custom\.password: \(redacted\) changed$/m);
    assert.match(diff.stdout, /^# Huawei's virtual-kubelet add-on 1\.5\.82: the values CCE would be sent/m);
    assert.match(diff.stdout, /^ {2}isInstallProxy: "false"$/m, 'the whole set, not only what changes');
    assert.match(diff.stdout, /^ {2}password: <redacted>$/m);
    const json = await cli(['diff', ...set, '-o', 'json']);
    assert.equal(json.code, 1);
    const shown = JSON.parse(json.stdout) as {
      changes: { path: string; secret?: boolean }[];
      version: string;
      values: { basic: Record<string, string>; custom: Record<string, unknown> };
    };
    assert.deepEqual(shown.changes, [{ path: 'custom.password', secret: true }]);
    assert.equal(shown.version, '1.5.82');
    assert.equal(shown.values.custom.password, '<redacted>');
    assert.equal(shown.values.basic.cluster_id, tenant.clusterId);
    const dryRun = await cli(['upgrade', '--dry-run', ...set]);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.equal(dryRun.stdout, diff.stdout);
    for (const out of [diff, json, dryRun])
      assert.ok(!/first-secret|second-secret/.test(out.stdout + out.stderr), 'no secret shown');

    const upgrade = await cli(['upgrade', ...set]);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.match(upgrade.stdout, /updated the values of Huawei's virtual-kubelet add-on 1\.5\.82/);
    const values = instances()[0]?.addon.spec.values as { custom: Record<string, unknown> };
    assert.equal(values.custom.password, 'second-secret');
    assert.equal((await cli(['diff', ...set])).code, 0);
    assert.equal((await cli(['uninstall', '--yes'])).code, 0);
  });

  it('status and doctor follow the recorded mode: the CCE instance and the add-on’s virtual node', async () => {
    const install = await cli(['install', '--managed']);
    assert.equal(install.code, 0, install.stderr);
    const status = await cli(['status', '-o', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout) as {
      mode: string;
      addon: { status: string };
      node: { registered: boolean };
    };
    assert.equal(shown.mode, 'managed');
    assert.equal(shown.addon.status, 'running');
    assert.equal(shown.node.registered, false);

    const before = await cli(['doctor', '-o', 'json']);
    assert.equal(before.code, 1, 'no virtual node yet');
    const checks = (
      JSON.parse(before.stdout) as { checks: { id: string; status: string; message: string }[] }
    ).checks;
    assert.equal(checks.find((c) => c.id === 'managed-addon-running')?.status, 'ok');
    assert.match(
      checks.find((c) => c.id === 'managed-virtual-node-ready')?.message ?? '',
      /no node named bursting-node or virtual-kubelet/,
    );
    assert.ok(!checks.some((c) => c.id === 'provider-available'), 'not the own runtime’s checks');

    // The add-on's node, as Huawei's add-on would register it.
    const node = 'bursting-node';
    await core().createNode({ body: { metadata: { name: node } } });
    try {
      await core().patchNodeStatus(
        { name: node, body: { status: { conditions: healthyNodeConditions(new Date(), 'test') } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const after = await cli(['doctor']);
      assert.equal(after.code, 0, after.stdout);
    } finally {
      await core().deleteNode({ name: node });
    }
    assert.equal((await cli(['uninstall', '--yes'])).code, 0);
  });

  it('a failed install reports CCE’s reason and exits 1; the record says failed, and uninstall clears it', async () => {
    env().emulator.state.addonFaults.add({
      operation: 'install',
      template: VK,
      reason: 'install addon failed',
      message: 'image pull failed: swr unreachable',
    });
    const install = await cli(['install', '--managed']);
    assert.equal(install.code, 1, install.stdout);
    assert.match(
      install.stderr,
      /install of Huawei's virtual-kubelet add-on 1\.5\.82 failed .*installFailed: install addon failed: image pull failed: swr unreachable/,
    );
    const [record] = await listReleases(core(), namespace);
    assert.equal(record?.status, 'failed');
    const status = await cli(['status']);
    assert.equal(status.code, 1);
    assert.match(status.stdout, /CCE ADD-ON: \S+ installFailed/);
    const uninstall = await cli(['uninstall', '--yes']);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    assert.equal(instances().length, 0);
  });

  it('refuses mixed states: the managed add-on beside vkctl’s runtime, and the reverse', async () => {
    await saveRelease(core(), namespace, {
      revision: 1,
      version: '0.2.0',
      status: 'deployed',
      values: {},
      objects: [],
    });
    const managed = await cli(['install', '--managed']);
    assert.equal(managed.code, 1);
    assert.match(
      managed.stderr.trim(),
      /^Error: vkctl's own runtime 0\.2\.0 is installed in \S+ \(revision 1\): uninstall it before installing Huawei's virtual-kubelet add-on$/,
    );
    assert.equal(instances().length, 0, 'nothing asked of CCE');

    await saveRelease(core(), namespace, {
      revision: 1,
      version: '1.5.82',
      status: 'deployed',
      mode: 'managed',
      addonId: `gone-${randomBytes(4).toString('hex')}`,
      values: {},
      objects: [],
    });
    const own = await cli(['install', '--skip-checks']);
    assert.equal(own.code, 1);
    assert.match(
      own.stderr.trim(),
      /^Error: Huawei's managed add-on 1\.5\.82 is installed through vkctl in \S+ \(revision 1\): uninstall it before installing vkctl's own runtime$/,
    );
    // The recorded instance is gone from CCE (uninstalled in the console): uninstall clears the record.
    const uninstall = await cli(['uninstall', '--yes']);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    assert.deepEqual(await listReleases(core(), namespace), []);
  });
});
