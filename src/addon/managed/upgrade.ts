// `vkctl upgrade` (and diff) in managed mode: the console's upgrade. The newest version CCE offers
// for this cluster by default, or the one asked for; "already at the newest version" when there is
// nothing newer and nothing else to change (the console's frozen button). Values: the new version's
// template defaults, under the instance's current values, under what vkctl knows and the flags; the
// whole set is sent, as CCE's update replaces values whole (更新AddonInstance.md). A lower version is
// refused: CCE's update does not downgrade (the console rolls back instead).
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import { compareAddonVersions } from '../../cloud/cce-addon-versions.js';
import type { AddonInstance } from '../../cloud/cce-addons.js';
import { isNotFound } from '../../cloud/http.js';
import { UsageError } from '../../errors.js';
import { deployedRelease, nextRevision } from '../release-decisions.js';
import { listReleases, saveRelease, type ReleaseRecord } from '../release-store.js';
import { chooseVersion, clusterFacts, coreOf, managedCluster, type ManagedTarget } from './cluster.js';
import { deployManagedRevision } from './deploy.js';
import { managedDigest, sameValues } from './digest.js';
import { valueChanges, type ValueChange } from './value-changes.js';
import { managedValues, redactedValues, type ManagedValueInputs } from './values.js';

export interface ManagedUpgradeRequest extends ManagedTarget {
  version?: string;
  inputs: ManagedValueInputs;
  dryRun: boolean;
}

export interface ManagedUpgradeResult {
  outcome: 'upgraded' | 'up-to-date' | 'dry-run' | 'failed';
  mode: 'managed';
  revision: number;
  /** The version before and after. */
  from: string;
  version: string;
  /** Each value that changes (secrets redacted), and the version when it does. */
  changes: ValueChange[];
  message?: string;
}

/** The instance a managed record names, or a clear error when CCE no longer has it. */
export async function recordedInstance(
  get: (id: string) => Promise<AddonInstance>,
  record: ReleaseRecord,
): Promise<AddonInstance> {
  try {
    return await get(record.addonId ?? '');
  } catch (error) {
    if (isNotFound(error))
      throw new UsageError(
        `the ${MANAGED_ADDON_TEMPLATE} add-on instance vkctl recorded (${record.addonId}) is gone from CCE (uninstalled in the console?): run vkctl uninstall to clear the record, then install again`,
        { cause: error },
      );
    throw error;
  }
}

export async function upgradeManaged(request: ManagedUpgradeRequest): Promise<ManagedUpgradeResult> {
  const core = coreOf(request);
  const releases = await listReleases(core, request.namespace);
  const deployed = deployedRelease(releases);
  if (deployed?.mode !== 'managed')
    throw new UsageError(
      `Huawei's ${MANAGED_ADDON_TEMPLATE} add-on is not installed by vkctl in ${request.namespace}`,
    );
  const managed = await managedCluster(request);
  const instance = await recordedInstance((id) => managed.api.get(id, managed.clusterId), deployed);
  const from = instance.status?.currentVersion?.version ?? instance.spec.version;
  const target = chooseVersion(managed, request.version);
  if (compareAddonVersions(target.version, from) < 0)
    throw new UsageError(
      `${MANAGED_ADDON_TEMPLATE} ${from} is installed: CCE does not upgrade it to the older ${target.version}`,
    );
  const facts = await clusterFacts(request, managed);
  const current = instance.spec.values ?? {};
  const values = managedValues({ version: target, facts, current, inputs: request.inputs });
  const changes = valueChanges(redactedValues(current), redactedValues(values));
  if (target.version !== from) changes.unshift({ path: 'version', from, to: target.version });
  const base = { mode: 'managed' as const, from, version: target.version, changes };
  if (target.version === from && sameValues(values, current)) {
    const newest = request.version === undefined;
    return {
      ...base,
      outcome: 'up-to-date',
      revision: deployed.revision,
      message: `${MANAGED_ADDON_TEMPLATE} ${from} is installed: ${newest ? 'already at the newest version CCE offers for this cluster' : 'already at that version'}, with these values`,
    };
  }
  const revision = nextRevision(releases);
  if (request.dryRun) return { ...base, outcome: 'dry-run', revision };
  const record: ReleaseRecord = {
    revision,
    version: target.version,
    status: 'pending-upgrade',
    mode: 'managed',
    addonId: instance.metadata.uid,
    cloud: deployed.cloud,
    values,
    valuesDigest: managedDigest(target.version, values),
    objects: [],
    description: target.version === from ? 'Values update started' : `Upgrade from ${from} started`,
  };
  request.progress(`upgrading ${MANAGED_ADDON_TEMPLATE} ${from} → ${target.version} through CCE`);
  const end = await deployManagedRevision(
    request,
    managed,
    record,
    () =>
      managed.api.update(instance.metadata.uid, {
        clusterId: managed.clusterId,
        templateName: MANAGED_ADDON_TEMPLATE,
        version: target.version,
        values: values,
      }),
    { ok: target.version === from ? 'Values updated' : 'Upgrade complete' },
  );
  if (end.ok) await saveRelease(core, request.namespace, { ...deployed, status: 'superseded' });
  return {
    ...base,
    outcome: end.ok ? 'upgraded' : 'failed',
    revision,
    ...(end.ok ? {} : { message: end.message }),
  };
}
