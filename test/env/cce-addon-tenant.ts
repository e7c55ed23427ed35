// For tests of the emulated CCE add-on API: in a describe block, each test gets its own account and
// cluster (CCE allows one instance of a template per cluster), vkctl's add-on client for it, quick
// transitions, and the helpers those tests share.
import assert from 'node:assert/strict';
import { CceApi } from '../../src/cloud/cce.js';
import { waitForAddonReady } from '../../src/cloud/cce-addon-wait.js';
import { templateDefaults } from '../../src/cloud/cce-addon-versions.js';
import type { AddonInstance, AddonRequest, CceAddonApi } from '../../src/cloud/cce-addons.js';
import { CloudApiError, CloudClient } from '../../src/cloud/http.js';
import { defaultScenario, type CceCluster, type Scenario } from './emulator/state.js';
import type { TestEnvironment } from './environment.js';
import { useQuickAddonOperations } from './quick-addon-operations.js';

export const VK = 'virtual-kubelet';

export interface AddonTenant {
  tenant: Scenario;
  api: CceAddonApi;
  cluster: () => CceCluster;
  /** What the managed mode will send: the version's defaults, with what vkctl knows filled in. */
  request: (version: string, interconnect?: string) => Promise<AddonRequest>;
  /** An instance created and waited for until running. */
  installed: (version?: string) => Promise<AddonInstance>;
  /** Asserts that `call` fails with CCE's status, code and a message. */
  refused: (call: Promise<unknown>, status: number, code: string, message: RegExp) => Promise<void>;
  wait: { timeoutMs: number; intervalMs: number };
}

export function useAddonTenant(env: () => TestEnvironment): () => AddonTenant {
  let current: AddonTenant | undefined;
  beforeEach(() => {
    const tenant = defaultScenario(env().emulator.state);
    const api = new CceApi(new CloudClient('cce', env().emulator.endpoints.cce, tenant), tenant.projectId)
      .addon;
    const wait = { timeoutMs: 10_000, intervalMs: 50 };
    const request = async (version: string, interconnect = 'true'): Promise<AddonRequest> => {
      const template = await api.template(VK, tenant.clusterId);
      const chosen = template?.spec.versions?.find((v) => v.version === version);
      const { values, flavors } = templateDefaults(chosen ?? { version });
      Object.assign(values.basic ?? {}, {
        cluster_id: tenant.clusterId,
        cluster_name: 'vkctl-test-cluster',
        vpc_id: tenant.vpcId,
        network_id: tenant.subnetId,
        project_id: tenant.projectId,
      });
      values.custom = { ...values.custom, isInstallProxy: interconnect, subnet_id: tenant.neutronSubnetId };
      values.flavor = flavors.flavor1;
      return { clusterId: tenant.clusterId, templateName: VK, version, values };
    };
    current = {
      tenant,
      api,
      wait,
      request,
      cluster: () => env().emulator.state.clusters.get(tenant.clusterId)!.cluster,
      installed: async (version = '1.5.75') => {
        const created = await api.create(await request(version));
        return waitForAddonReady(api, created.metadata.uid, tenant.clusterId, wait);
      },
      refused: async (call, status, code, message) => {
        await assert.rejects(call, (error: unknown) => {
          assert.ok(error instanceof CloudApiError, String(error));
          assert.equal(error.status, status, error.message);
          assert.equal(error.code, code, error.message);
          assert.match(error.message, message);
          return true;
        });
      },
    };
  });
  useQuickAddonOperations(env);
  return () => {
    if (!current) throw new Error('useAddonTenant: used outside a test');
    return current;
  };
}
