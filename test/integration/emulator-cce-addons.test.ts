// The emulated CCE add-on API, driven through vkctl's client (src/cloud/cce-addons.ts): templates and
// the versions a cluster may run, instances moving installing → running, upgrading → running,
// deleting → gone, the refusals the sources document. Injected outcomes: emulator-cce-addon-faults.test.ts.
import assert from 'node:assert/strict';
import { waitForAddonGone, waitForAddonReady } from '../../src/cloud/cce-addon-wait.js';
import { templateDefaults, versionsFor } from '../../src/cloud/cce-addon-versions.js';
import type { AddonRequest, CceAddonApi } from '../../src/cloud/cce-addons.js';
import { CloudClient } from '../../src/cloud/http.js';
import { useAddonTenant, VK } from '../env/cce-addon-tenant.js';
import { useTestEnvironment } from '../env/environment.js';
import { defaultScenario, type Scenario } from '../env/emulator/state.js';
import { sdkRequest } from '../env/sdk-request.js';

describe('Huawei Cloud emulator: CCE add-on API', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();
  // Each test is its own account and cluster (one instance per template and cluster).
  const addon = useAddonTenant(env);
  let tenant: Scenario;
  let api: CceAddonApi;
  beforeEach(() => ({ tenant, api } = addon()));
  const cluster = () => addon().cluster();
  const request = (version: string, interconnect?: string) => addon().request(version, interconnect);
  const installed = (version?: string) => addon().installed(version);
  const refused = (call: Promise<unknown>, status: number, code: string, message: RegExp) =>
    addon().refused(call, status, code, message);
  const wait = { timeoutMs: 10_000, intervalMs: 50 };

  describe('templates', () => {
    it('offers a cluster only the versions whose supportVersions match its type and version', async () => {
      const all = await api.templates({ name: VK });
      assert.deepEqual(
        all[0]?.spec.versions?.map((v) => v.version),
        ['1.5.27', '1.5.75', '1.5.82'],
      );
      const forCluster = (await api.template(VK, tenant.clusterId))!;
      assert.deepEqual(
        forCluster.spec.versions?.map((v) => v.version),
        ['1.5.75', '1.5.82'],
      );
      assert.deepEqual(
        versionsFor(all[0], cluster().spec).map((v) => v.version),
        ['1.5.82', '1.5.75'],
        'the client filters by supportVersions too, newest first',
      );

      cluster().spec.version = 'v1.28';
      const older = (await api.template(VK, tenant.clusterId))!;
      assert.deepEqual(
        older.spec.versions?.map((v) => v.version),
        ['1.5.27', '1.5.75', '1.5.82'],
      );
      cluster().spec.type = 'ARM64'; // no Arm clusters up to 1.5.37
      const arm = (await api.template(VK, tenant.clusterId))!;
      assert.deepEqual(
        arm.spec.versions?.map((v) => v.version),
        ['1.5.75', '1.5.82'],
      );
    });

    it('gives each version its own install defaults, with the interconnect switch in custom', async () => {
      const versions = (await api.template(VK, tenant.clusterId))!.spec.versions!;
      const { values, flavors } = templateDefaults(versions.find((v) => v.version === '1.5.82')!);
      assert.equal(values.custom?.isInstallProxy, 'false');
      assert.equal(values.basic?.cluster_id, '');
      assert.deepEqual(Object.keys(flavors), ['flavor1']);
      assert.equal(flavors.flavor1?.replicas, 1);
      const v27 = (await api.templates({ name: VK }))[0]!.spec.versions!.find((v) => v.version === '1.5.27')!;
      assert.equal(templateDefaults(v27).values.custom?.podDisruptionBudget, undefined);
    });

    it('refuses the template list’s hidden parameters whose meaning is not documented, and unknown ones', async () => {
      const client = new CloudClient('cce', env().emulator.endpoints.cce, tenant);
      for (const [key, message] of [
        ['newest', /newest is not emulated/],
        ['base_update_addon_version', /base_update_addon_version is not emulated/],
        ['addon_name', /unknown query parameter addon_name/],
      ] as const)
        await refused(
          client.request({
            path: '/api/v3/addontemplates',
            query: { [key]: 'true' },
            projectId: tenant.projectId,
          }),
          400,
          'CCE.03400001',
          message,
        );
    });

    it('lists nothing for an unknown template and refuses another account’s cluster', async () => {
      assert.equal(await api.template('no-such-addon', tenant.clusterId), undefined);
      const other = defaultScenario(env().emulator.state);
      await refused(
        api.templates({ name: VK, clusterId: other.clusterId }),
        404,
        'CCE.03404001',
        /not found/,
      );
    });
  });

  describe('instances', () => {
    it('installs: installing, then running, with the values as sent', async () => {
      const created = await api.create(await request('1.5.75'));
      assert.equal(created.status?.status, 'installing');
      assert.equal(created.metadata.annotations?.['addon.install/type'], 'install');
      const seen: string[] = [];
      const ready = await waitForAddonReady(api, created.metadata.uid, tenant.clusterId, {
        ...wait,
        onStatus: (i) => seen.push(i.status?.status ?? ''),
      });
      assert.equal(seen[0], 'installing');
      assert.equal(ready.status?.status, 'running');
      assert.equal(ready.status?.currentVersion?.version, '1.5.75');
      assert.equal(ready.spec.values?.custom?.isInstallProxy, 'true');
      assert.equal((await api.find(tenant.clusterId, VK))?.metadata.uid, created.metadata.uid);
      assert.deepEqual(await api.list(tenant.clusterId, 'coredns'), []);
    });

    it('refuses what the sources refuse', async () => {
      const good = await request('1.5.75');
      const spoil = (change: (r: AddonRequest) => void) => {
        const r = structuredClone(good);
        change(r);
        return api.create(r);
      };
      await refused(
        spoil((r) => (r.version = '1.5.27')),
        400,
        'CCE.03400001',
        /does not support cluster version v1\.33/,
      );
      await refused(
        spoil((r) => (r.version = '9.9.9')),
        400,
        'CCE.03400001',
        /has no version 9\.9\.9/,
      );
      await refused(
        spoil((r) => delete r.values.basic),
        400,
        'CCE.03400001',
        /values\.basic is required/,
      );
      await refused(
        spoil((r) => (r.values.custom!.subnet_id = '')),
        400,
        'CCE.03400001',
        /subnet_id is required/,
      );
      await refused(
        spoil((r) => (r.values.custom!.isInstallProxy = true)),
        400,
        'CCE.03400001',
        /isInstallProxy/,
      );
      await refused(
        spoil((r) => delete r.values.flavor),
        400,
        'CCE.03400001',
        /values\.flavor is required/,
      );
      await refused(
        spoil((r) => (r.templateName = 'no-such-addon')),
        404,
        'CCE.03404001',
        /template/,
      );

      const { accessKey, secretKey, projectId } = tenant;
      const raw = (body: unknown, query?: Record<string, string>) =>
        sdkRequest(
          { method: 'POST', endpoint: env().emulator.endpoints.cce, path: '/api/v3/addons', body, query },
          accessKey,
          secretKey,
          projectId,
        );
      const noAnnotation = await raw({
        kind: 'Addon',
        apiVersion: 'v3',
        metadata: {},
        spec: { ...good, clusterID: good.clusterId, addonTemplateName: VK },
      });
      assert.equal(noAnnotation.status, 400, noAnnotation.text);
      assert.match(noAnnotation.json<{ errorMessage: string }>().errorMessage, /addon\.install\/type/);
      const list = await sdkRequest(
        { method: 'GET', endpoint: env().emulator.endpoints.cce, path: '/api/v3/addons' },
        accessKey,
        secretKey,
        projectId,
      );
      assert.equal(list.status, 400, 'cluster_id is required on list');

      await api.create(good);
      await refused(api.create(good), 409, 'CCE.03409001', /already installed/);
    });

    it('upgrades: upgrading, then running at the new version, values replaced whole (left out: the template default)', async () => {
      const before = await installed('1.5.75');
      assert.equal(before.spec.values?.custom?.isInstallProxy, 'true');
      const next = await request('1.5.82');
      delete next.values.custom!.isInstallProxy;
      delete next.values.custom!.podDisruptionBudget;
      delete next.values.basic!.swr_user;
      const updated = await api.update(before.metadata.uid, next);
      assert.equal(updated.status?.status, 'upgrading');
      assert.equal(updated.status?.Reason, 'addon upgrading');
      assert.equal(
        updated.status?.currentVersion?.version,
        '1.5.75',
        'the old version runs until the upgrade ends',
      );
      await refused(api.update(before.metadata.uid, next), 429, 'CCE.01429002', /locked/);
      await refused(api.delete(before.metadata.uid, tenant.clusterId), 429, 'CCE.01429002', /locked/);
      const ready = await waitForAddonReady(api, before.metadata.uid, tenant.clusterId, {
        ...wait,
        version: '1.5.82',
      });
      assert.equal(ready.status?.currentVersion?.version, '1.5.82');
      assert.equal(ready.status?.previousVersion, '1.5.75');
      assert.equal(
        ready.spec.values?.custom?.isInstallProxy,
        'false',
        'a key left out takes the template default, not the old value',
      );
      assert.deepEqual(ready.spec.values?.custom?.podDisruptionBudget, { create: false, maxUnavailable: 1 });
      assert.equal(ready.spec.values?.basic?.swr_user, 'hwofficial');
      assert.equal(ready.spec.values?.basic?.cluster_id, tenant.clusterId, 'what was sent is kept');
      assert.equal(ready.metadata.annotations?.['addon.upgrade/type'], 'upgrade');
    });

    it('refuses an upgrade to a version not offered for the cluster, an older one, or without basic', async () => {
      const current = await installed('1.5.82');
      const id = current.metadata.uid;
      await refused(api.update(id, await request('1.5.27')), 400, 'CCE.03400001', /does not support/);
      await refused(api.update(id, await request('1.5.75')), 400, 'CCE.03400001', /older/);
      const noBasic = await request('1.5.82');
      delete noBasic.values.basic;
      await refused(api.update(id, noBasic), 400, 'CCE.03400001', /values\.basic/);
      assert.equal(
        (await api.update(id, await request('1.5.82'))).status?.status,
        'upgrading',
        'same version: new values',
      );
    });

    it('deletes: deleting, then gone', async () => {
      const current = await installed();
      const id = current.metadata.uid;
      await refused(
        api.delete(id, defaultScenario(env().emulator.state).clusterId),
        404,
        'CCE.03404001',
        /not found/,
      );
      await api.delete(id, tenant.clusterId);
      assert.equal((await api.get(id, tenant.clusterId)).status?.status, 'deleting');
      await waitForAddonGone(api, id, tenant.clusterId, wait);
      await refused(api.get(id, tenant.clusterId), 404, 'CCE.03404001', /not found/);
      assert.deepEqual(await api.list(tenant.clusterId), []);
    });
  });
});
