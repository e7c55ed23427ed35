// `vkctl install --managed`: Huawei's own virtual-kubelet add-on, installed through CCE's add-on API
// as the console installs it (choose a version, tick interconnect, install), and recorded in the
// cluster's release history with mode "managed" so that later commands follow it. The newest
// version CCE offers for this cluster unless one is asked for; its template's defaults as values.
// Refused when vkctl's own runtime is installed (one bursting add-on per cluster). An instance that
// CCE already has is installedAlready's to decide: vkctl's own (unchanged, or upgrade's job), or one
// installed in the console (adopted: recorded, not changed, only when it runs).
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import {
  ADDON_BUSY_STATUSES,
  ADDON_READY_STATUSES,
  addonStatusLine,
  type AddonInstance,
  type AddonValues,
} from '../../cloud/cce-addons.js';
import { StateError } from '../../errors.js';
import { otherInstallMessage, otherInstallNamespace } from '../other-install.js';
import { nextRevision } from '../release-decisions.js';
import { listReleases, saveRelease, type ReleaseRecord } from '../release-store.js';
import {
  chooseVersion,
  clusterFacts,
  coreOf,
  managedCluster,
  type ManagedCluster,
  type ManagedTarget,
} from './cluster.js';
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

/**
 * Refuses when vkctl's own runtime is recorded in this namespace (whatever its last record says: a
 * failed or interrupted install leaves objects behind too) or installed in another one.
 */
async function refuseOwnRuntime(target: ManagedTarget, releases: readonly ReleaseRecord[]): Promise<void> {
  const own = releases.filter((r) => r.mode !== 'managed').at(-1);
  if (own)
    throw new StateError(
      `vkctl's own runtime ${own.version} is ${own.status === 'deployed' ? 'installed' : `recorded (${own.status})`} in ${target.namespace} (revision ${own.revision}): uninstall it before installing Huawei's ${MANAGED_ADDON_TEMPLATE} add-on`,
    );
  const other = await otherInstallNamespace(target.kc, target.namespace);
  if (other) throw new StateError(otherInstallMessage(other));
}

export async function installManaged(request: ManagedInstallRequest): Promise<ManagedInstallResult> {
  const core = coreOf(request);
  const releases = await listReleases(core, request.namespace);
  await refuseOwnRuntime(request, releases);
  const managed = await managedCluster(request);
  const existing = await managed.api.find(managed.clusterId, MANAGED_ADDON_TEMPLATE);
  if (existing) return installedAlready(request, managed, releases, existing);

  const revision = nextRevision(releases);
  const where = { region: request.session.config.region ?? '', clusterId: managed.clusterId };
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

/**
 * CCE already has the add-on. Installed by vkctl (a record names the instance): nothing to do when it
 * runs with these values, else the way on is upgrade (which also sends a failed revision again), as
 * helm's install refuses a release that exists. Installed in the console: adopted when it runs and
 * nothing is asked of it; a failed or busy instance is never recorded as deployed.
 */
async function installedAlready(
  request: ManagedInstallRequest,
  managed: ManagedCluster,
  releases: readonly ReleaseRecord[],
  existing: AddonInstance,
): Promise<ManagedInstallResult> {
  const { files, sets, interconnect } = request.inputs;
  const asked =
    request.version !== undefined || interconnect !== undefined || !!files?.length || !!sets?.length;
  const status = existing.status?.status ?? 'unknown';
  const line = addonStatusLine(existing);
  const ready = ADDON_READY_STATUSES.includes(status);
  const busy = ADDON_BUSY_STATUSES.includes(status);
  const what = `${MANAGED_ADDON_TEMPLATE} ${existing.spec.version}`;
  const ours = releases.filter((r) => r.mode === 'managed' && r.addonId === existing.metadata.uid).at(-1);
  if (ours) {
    const installed = `${what}, which vkctl installed (revision ${ours.revision}, ${ours.status}),`;
    if (busy)
      throw new StateError(
        `${installed} is ${status} in CCE: vkctl status follows it; run this again once it has settled`,
      );
    if (!ready || ours.status !== 'deployed')
      throw new StateError(
        `${installed} is ${line} in CCE: vkctl upgrade sends it again, vkctl uninstall removes it`,
      );
    const version = chooseVersion(managed, request.version ?? ours.version);
    const facts = await clusterFacts(request, managed);
    const values = managedValues({ version, facts, current: existing.spec.values, inputs: request.inputs });
    if (version.version === existing.spec.version && sameValues(values, existing.spec.values ?? {}))
      return result('unchanged', ours, existing.spec.values ?? {}, []);
    throw new StateError(`${installed} is running with other values or version: use vkctl upgrade`);
  }
  const outside = `${what} is installed in this cluster, not recorded by vkctl in ${request.namespace}`;
  if (!ready)
    throw new StateError(
      `${outside}, and is ${line} in CCE: only a running add-on is adopted; ${busy ? 'run this again once it has settled' : 'repair or uninstall it in the CCE console first'}`,
    );
  if (asked)
    throw new StateError(
      `${outside}: vkctl adopts it as it is when given no version or values; then vkctl upgrade changes it`,
    );
  const values = existing.spec.values ?? {};
  const record: ReleaseRecord = {
    revision: nextRevision(releases),
    version: existing.spec.version,
    status: 'deployed',
    mode: 'managed',
    addonId: existing.metadata.uid,
    cloud: { region: request.session.config.region ?? '', clusterId: managed.clusterId },
    values,
    valuesDigest: managedDigest(existing.spec.version, values),
    objects: [],
    description: `Adopted the ${MANAGED_ADDON_TEMPLATE} add-on installed outside vkctl (CCE status ${status})`,
  };
  if (!request.dryRun) await saveRelease(coreOf(request), request.namespace, record);
  return result(request.dryRun ? 'dry-run' : 'adopted', record, values, [], record.description);
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
