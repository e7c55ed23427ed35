// The emulated CCE add-on API's injected outcomes (state.addonFaults), driven through vkctl's client:
// an install, upgrade or delete that ends installFailed, upgradeFailed or deleteFailed with CCE's
// Reason and message, and the other statuses a test may ask for (available, abnormal, unknown).
import assert from 'node:assert/strict';
import { AddonFailedError, waitForAddonGone, waitForAddonReady } from '../../src/cloud/cce-addon-wait.js';
import type { CceAddonApi } from '../../src/cloud/cce-addons.js';
import { useAddonTenant, VK } from '../env/cce-addon-tenant.js';
import type { Scenario } from '../env/emulator/state.js';
import { useTestEnvironment } from '../env/environment.js';

describe('Huawei Cloud emulator: CCE add-on API, injected outcomes', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();
  const addon = useAddonTenant(env);
  let tenant: Scenario;
  let api: CceAddonApi;
  beforeEach(() => ({ tenant, api } = addon()));
  const request = (version: string) => addon().request(version);
  const installed = (version?: string) => addon().installed(version);
  const wait = { timeoutMs: 10_000, intervalMs: 50 };

  describe('failures injected through state.addonFaults', () => {
    it('an install that ends installFailed with CCE’s Reason and message, then can be deleted', async () => {
      const fault = env().emulator.state.addonFaults.add({
        operation: 'install',
        template: VK,
        reason: 'InstallFailed',
        message: 'ELB quota exceeded',
        times: 1,
      });
      const created = await api.create(await request('1.5.75'));
      await assert.rejects(
        waitForAddonReady(api, created.metadata.uid, tenant.clusterId, wait),
        (error: unknown) => {
          assert.ok(error instanceof AddonFailedError, String(error));
          assert.match(error.message, /installFailed: InstallFailed: ELB quota exceeded/);
          return true;
        },
      );
      assert.equal(fault.hits, 1);
      const failed = await api.get(created.metadata.uid, tenant.clusterId);
      assert.equal(failed.status?.status, 'installFailed');
      await api.delete(created.metadata.uid, tenant.clusterId);
      await waitForAddonGone(api, created.metadata.uid, tenant.clusterId, wait);
    });

    it('an upgrade that ends upgradeFailed keeps the old version running', async () => {
      const current = await installed('1.5.75');
      env().emulator.state.addonFaults.add({
        operation: 'upgrade',
        version: '1.5.82',
        reason: 'UpgradeFailed',
        message: 'image pull timed out',
      });
      await api.update(current.metadata.uid, await request('1.5.82'));
      await assert.rejects(
        waitForAddonReady(api, current.metadata.uid, tenant.clusterId, { ...wait, version: '1.5.82' }),
        /upgradeFailed: UpgradeFailed: image pull timed out/,
      );
      const after = await api.get(current.metadata.uid, tenant.clusterId);
      assert.equal(after.status?.currentVersion?.version, '1.5.75');
    });

    it('an install or upgrade that ends available, abnormal or unknown, as a test asks', async () => {
      const faults = env().emulator.state.addonFaults;
      faults.add({ operation: 'install', status: 'available', reason: 'partially ready', times: 1 });
      const available = await installed('1.5.75');
      assert.equal(available.status?.status, 'available', 'a wait takes available as ready (TF)');
      faults.add({
        operation: 'upgrade',
        status: 'abnormal',
        reason: 'PodsNotReady',
        message: '0/1',
        times: 1,
      });
      await api.update(available.metadata.uid, await request('1.5.82'));
      await assert.rejects(
        waitForAddonReady(api, available.metadata.uid, tenant.clusterId, { ...wait, timeoutMs: 1000 }),
        /not done after 1 s \(status abnormal: PodsNotReady: 0\/1\)/,
      );
      const abnormal = await api.get(available.metadata.uid, tenant.clusterId);
      assert.equal(abnormal.status?.currentVersion?.version, '1.5.82', 'the release went through');
      faults.add({ operation: 'upgrade', status: 'unknown', reason: 'Lost', times: 1 });
      await api.update(available.metadata.uid, await request('1.5.82'));
      await assert.rejects(
        waitForAddonReady(api, available.metadata.uid, tenant.clusterId, wait),
        (error: unknown) => error instanceof AddonFailedError && /is unknown: Lost/.test(error.message),
      );
    });

    it('a delete that ends deleteFailed', async () => {
      const current = await installed();
      env().emulator.state.addonFaults.add({
        operation: 'delete',
        reason: 'DeleteFailed',
        message: 'finalizer stuck',
      });
      await api.delete(current.metadata.uid, tenant.clusterId);
      await assert.rejects(
        waitForAddonGone(api, current.metadata.uid, tenant.clusterId, wait),
        /deleteFailed: DeleteFailed: finalizer stuck/,
      );
    });
  });
});
