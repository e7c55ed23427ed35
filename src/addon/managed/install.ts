// `vkctl install --managed`: Huawei's own virtual-kubelet add-on, installed through CCE's add-on API
// as the console installs it (choose a version, tick interconnect, install), and recorded in the
// cluster's release history with mode "managed" so that later commands follow it. The newest
// version CCE offers for this cluster unless one is asked for; its template's defaults as values.
// Refused when vkctl's own runtime is installed (one bursting add-on per cluster). An instance that
// CCE already has (installed in the console) is adopted: recorded, not changed.
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import type { AddonValues } from '../../cloud/cce-addons.js';
import { UsageError } from '../../errors.js';
import { otherInstallMessage, otherInstallNamespace } from '../other-install.js';
import { deployedRelease, nextRevision } from '../release-decisions.js';
import { listReleases, saveRelease, type ReleaseRecord } from '../release-store.js';
import { chooseVersion, clusterFacts, coreOf, managedCluster, type ManagedTarget } from './cluster.js';
import { deployManagedRevision } from './deploy.js';
import { managedDigest, sameValues } from './digest.js';
import { managedValues, redactedValues, type ManagedValueInputs } from './values.js';

export interface ManagedInstallRequest extends ManagedTarget {
  /** The add-on version; the newest CCE offers for this cluster when absent. */
  version?: string;
  inputs: ManagedValueInputs;
  dryRun: boolean;
  /** Preflight (checks/preflight-run.ts): throws when a check fails, returns warnings. */
  preflight?: (options: { resuming: boolean }) => Promise<string[]>;
}

export interface ManagedInstallResult {
  outcome: 'installed' | 'adopted' | 'unchanged' | 'dry-run' | 'failed';
  mode: 'managed';
  revision: number;
  version: string;
  addonId?: string;
  /** The values sent (or to send), secrets redacted. */
  values: AddonValues;
  warnings: string[];
  message?: string;
}

/** Refuses when vkctl's own runtime is installed in the cluster, here or in another namespace. */
async function refuseOwnRuntime(target: ManagedTarget, deployed: ReleaseRecord | undefined): Promise<void> {
  const own = deployed?.mode === 'managed' ? undefined : deployed;
  if (own)
    throw new UsageError(
      `vkctl's own runtime ${own.version} is installed in ${target.namespace} (revision ${own.revision}): uninstall it before installing Huawei's ${MANAGED_ADDON_TEMPLATE} add-on`,
    );
  const other = await otherInstallNamespace(target.kc, target.namespace);
  if (other) throw new UsageError(otherInstallMessage(other));
}

export async function installManaged(request: ManagedInstallRequest): Promise<ManagedInstallResult> {
  const core = coreOf(request);
  const releases = await listReleases(core, request.namespace);
  const deployed = deployedRelease(releases);
  await refuseOwnRuntime(request, deployed);
  const managed = await managedCluster(request);
  const existing = await managed.api.find(managed.clusterId, MANAGED_ADDON_TEMPLATE);
  const where = { region: request.session.config.region ?? '', clusterId: managed.clusterId };
  const { files, sets, interconnect } = request.inputs;
  const asked =
    request.version !== undefined || interconnect !== undefined || !!files?.length || !!sets?.length;

  if (deployed && existing && deployed.addonId === existing.metadata.uid) {
    const version = chooseVersion(managed, request.version ?? deployed.version);
    const facts = await clusterFacts(request, managed);
    const values = managedValues({ version, facts, current: existing.spec.values, inputs: request.inputs });
    if (version.version === existing.spec.version && sameValues(values, existing.spec.values ?? {}))
      return result('unchanged', deployed, existing.spec.values ?? {}, []);
    throw new UsageError(
      `${MANAGED_ADDON_TEMPLATE} ${deployed.version} is already installed (revision ${deployed.revision}) with other values or version; use vkctl upgrade`,
    );
  }
  const revision = nextRevision(releases);
  if (existing) {
    // Installed outside vkctl (the console): recorded as it is, so that upgrade and status follow it.
    if (asked)
      throw new UsageError(
        `${MANAGED_ADDON_TEMPLATE} ${existing.spec.version} is already installed in this cluster (not by vkctl): run vkctl install --managed without a version or values to adopt it, then vkctl upgrade`,
      );
    const values = existing.spec.values ?? {};
    const record: ReleaseRecord = {
      revision,
      version: existing.spec.version,
      status: 'deployed',
      mode: 'managed',
      addonId: existing.metadata.uid,
      cloud: where,
      values,
      valuesDigest: managedDigest(existing.spec.version, values),
      objects: [],
      description: `Adopted the ${MANAGED_ADDON_TEMPLATE} add-on installed outside vkctl (CCE status ${existing.status?.status ?? 'unknown'})`,
    };
    if (!request.dryRun) await saveRelease(core, request.namespace, record);
    return result(request.dryRun ? 'dry-run' : 'adopted', record, values, [], record.description);
  }

  const warnings = request.preflight ? await request.preflight({ resuming: false }) : [];
  const version = chooseVersion(managed, request.version);
  const facts = await clusterFacts(request, managed);
  const values = managedValues({ version, facts, inputs: request.inputs });
  const record: ReleaseRecord = {
    revision,
    version: version.version,
    status: 'pending-install',
    mode: 'managed',
    cloud: where,
    values,
    valuesDigest: managedDigest(version.version, values),
    objects: [],
    description: 'Install started',
  };
  if (request.dryRun) return result('dry-run', record, values, warnings);
  request.progress(`installing ${MANAGED_ADDON_TEMPLATE} ${version.version} through CCE`);
  const end = await deployManagedRevision(
    request,
    managed,
    record,
    () =>
      managed.api.create({
        clusterId: managed.clusterId,
        templateName: MANAGED_ADDON_TEMPLATE,
        version: version.version,
        values,
      }),
    { ok: 'Install complete' },
  );
  return result(
    end.ok ? 'installed' : 'failed',
    end.record,
    values,
    warnings,
    end.ok ? undefined : end.message,
  );
}

function result(
  outcome: ManagedInstallResult['outcome'],
  record: ReleaseRecord,
  values: AddonValues,
  warnings: string[],
  message?: string,
): ManagedInstallResult {
  return {
    outcome,
    mode: 'managed',
    revision: record.revision,
    version: record.version,
    addonId: record.addonId,
    values: redactedValues(values),
    warnings,
    ...(message ? { message } : {}),
  };
}
