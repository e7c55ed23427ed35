// Install, upgrade and cleanup requests for lifecycle tests, pointed at the test environment.
import { cliVersion } from '../../src/shared/catalog.js';
import type { InstallRequest } from '../../src/addon/install.js';
import { installPreflight } from '../../src/checks/preflight-run.js';
import { uninstall, type UninstallResult } from '../../src/addon/uninstall.js';
import type { UpgradeRequest } from '../../src/addon/upgrade.js';
import { resolveValues } from '../../src/addon/values.js';
import { doctorSettings, type TestEnvironment } from './environment.js';

export interface InstallOptions extends Partial<InstallRequest> {
  sets?: string[];
  /** The virtual node's name; vk-<namespace> by default, so tests never share one. */
  nodeName?: string;
}

/** Installs into `namespace` with the emulator's account; preflight on unless `preflight: undefined`. */
export function installRequest(
  env: TestEnvironment,
  namespace: string,
  options: InstallOptions = {},
): InstallRequest {
  const { sets = [], nodeName = `vk-${namespace}`, ...extra } = options;
  const version = extra.version ?? cliVersion();
  const s = env.emulator.scenario;
  const values = resolveValues(version, {
    sets,
    flags: {
      region: s.region,
      clusterId: s.clusterId,
      projectId: s.projectId,
      endpoints: env.emulator.endpoints,
      nodeName,
    },
  });
  return {
    kc: env.kc,
    namespace,
    version,
    values,
    credentials: { accessKey: s.accessKey, secretKey: s.secretKey },
    dryRun: false,
    wait: false,
    timeoutMs: 10_000,
    preflight: installPreflight(doctorSettings(env, { namespace, nodeName })),
    progress: () => undefined,
    ...extra,
  };
}

/** Removes whatever a test installed in `namespace` (pods on the node deleted, not evicted). */
export function removeAddon(env: TestEnvironment, namespace: string): Promise<UninstallResult> {
  return uninstall({
    kc: env.kc,
    namespace,
    dryRun: false,
    force: true,
    timeoutMs: 30_000,
    progress: () => undefined,
  });
}

/** An upgrade of the add-on in `namespace` to this CLI's version, with no new values, not waiting. */
export function upgradeRequest(
  env: TestEnvironment,
  namespace: string,
  extra: Partial<UpgradeRequest> = {},
): UpgradeRequest {
  return {
    kc: env.kc,
    namespace,
    version: cliVersion(),
    values: {},
    force: false,
    dryRun: false,
    rollbackOnFailure: true,
    wait: false,
    timeoutMs: 5_000,
    progress: () => undefined,
    ...extra,
  };
}
