// One CCE-managed-mode CLI user per test (managed.test.ts, managed-states.test.ts): its own account
// and cluster (CCE allows one instance of a template per cluster), its own namespace for the release
// records, add-on operations sped up to 300 ms, and injected faults cleared after each test.
import { CoreV1Api } from '@kubernetes/client-node';
import type { AddonEntry } from './emulator/cce-addon-state.js';
import { defaultScenario, type Scenario } from './emulator/state.js';
import { vkctlEnvironment, type TestEnvironment } from './environment.js';
import { useQuickAddonOperations } from './quick-addon-operations.js';
import { runVkctl } from './run-cli.js';

export interface ManagedCli {
  tenant: Scenario;
  namespace: string;
  /** vkctl with the tenant's credentials and cluster, in `namespace` unless told another. */
  cli: (args: string[], namespace?: string) => ReturnType<typeof runVkctl>;
  /** The emulator's add-on instances in the tenant's cluster. */
  instances: () => AddonEntry[];
  core: () => CoreV1Api;
}

export function useManagedCli(env: () => TestEnvironment, namespacePrefix: string): () => ManagedCli {
  let current: ManagedCli | undefined;
  beforeEach(async () => {
    const tenant = defaultScenario(env().emulator.state);
    const namespace = await env().createNamespace(namespacePrefix);
    const vars = {
      ...vkctlEnvironment(env()),
      HUAWEICLOUD_SDK_AK: tenant.accessKey,
      HUAWEICLOUD_SDK_SK: tenant.secretKey,
      VKCTL_CLUSTER_ID: tenant.clusterId,
    };
    current = {
      tenant,
      namespace,
      cli: (args, ns = namespace) => runVkctl([...args, '-n', ns], { env: vars }),
      instances: () =>
        [...env().emulator.state.addons.values()].filter((e) => e.addon.spec.clusterID === tenant.clusterId),
      core: () => env().kc.makeApiClient(CoreV1Api),
    };
  });
  useQuickAddonOperations(env);
  return () => {
    if (!current) throw new Error('useManagedCli: used outside a test');
    return current;
  };
}
