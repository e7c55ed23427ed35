// `vkctl upgrade` (and diff) in managed mode: the console's upgrade. The newest version CCE offers
// for this cluster by default, or the one asked for; "already at the newest version" when there is
// nothing newer and nothing else to change (the console's frozen button). Values: the new version's
// template defaults, under the instance's current values, under what vkctl knows and the flags; the
// whole set is sent, as CCE's update gives a key left out the template's default, not its old value
// (更新AddonInstance.md). A lower version is refused: CCE's update does not downgrade (the console
// rolls back instead). An instance that failed (or whose revision failed) is never "up to date":
// upgrade sends the update again, as helm upgrades a failed release; one with an operation under
// way is left to finish.
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import { compareAddonVersions } from '../../cloud/cce-addon-versions.js';
import {
  ADDON_BUSY_STATUSES,
  ADDON_READY_STATUSES,
  addonStatusLine,
  type AddonInstance,
  type AddonValues,
} from '../../cloud/cce-addons.js';
import { isNotFound } from '../../cloud/http.js';
import { StateError } from '../../errors.js';
import { changeBase, nextRevision } from '../release-decisions.js';
import { listReleases, saveRelease, type ReleaseRecord } from '../release-store.js';
import { chooseVersion, clusterFacts, coreOf, managedCluster, type ManagedTarget } from './cluster.js';
import { deployManagedRevision } from './deploy.js';
import { managedDigest, sameValues } from './digest.js';
import { redactedChanges, valueChanges, type ValueChange } from './value-changes.js';
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
  /** Each value that changes (secret ones without their values), and the version when it does. */
  changes: ValueChange[];
  /** Why the update is sent again although nothing changes: the instance or its record failed. */
  retry?: string;
  /** The whole set of values sent (or to send), secrets redacted. */
  values: AddonValues;
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
      throw new StateError(
        `the ${MANAGED_ADDON_TEMPLATE} add-on instance vkctl recorded (${record.addonId}) is gone from CCE (uninstalled in the console?): run vkctl uninstall to clear the record, then install again`,
        { cause: error },
      );
    throw error;
  }
}

export async function upgradeManaged(request: ManagedUpgradeRequest): Promise<ManagedUpgradeResult> {
  const core = coreOf(request);
  const releases = await listReleases(core, request.namespace);
  // The newest revision when it did not end deployed (an install or upgrade that failed, or one left
  // pending by a command stopped once CCE had it): install points here for those, and the update is
  // sent again from it, as helm lets a failed release be upgraded; even if an earlier revision is
  // deployed and the instance runs (a wait that timed out before CCE finished). Else the deployed one.
  const last = releases.at(-1);
  const unsettled =
    last?.mode === 'managed' && (last.status === 'failed' || last.status.startsWith('pending'));
  const base = unsettled ? last : changeBase(releases);
  if (base?.mode !== 'managed')
    throw new StateError(
      `Huawei's ${MANAGED_ADDON_TEMPLATE} add-on is not installed by vkctl in ${request.namespace}`,
    );
  // CCE refused the install itself: there is no instance to update, only to install again.
  if (!base.addonId)
    throw new StateError(
      `CCE never took vkctl's install of ${MANAGED_ADDON_TEMPLATE} (revision ${base.revision}, ${base.status}: ${base.description ?? 'no reason recorded'}): nothing to upgrade; install it again (vkctl install, in managed mode)`,
    );
  const managed = await managedCluster(request);
  const instance = await recordedInstance((id) => managed.api.get(id, managed.clusterId), base);
  const status = instance.status?.status ?? 'unknown';
  if (ADDON_BUSY_STATUSES.includes(status))
    throw new StateError(
      `${MANAGED_ADDON_TEMPLATE} instance ${instance.metadata.uid} is ${status} in CCE: vkctl status follows it; run this again once it has settled`,
    );
  const from = instance.status?.currentVersion?.version ?? instance.spec.version;
  const target = chooseVersion(managed, request.version);
  if (compareAddonVersions(target.version, from) < 0)
    throw new StateError(
      `${MANAGED_ADDON_TEMPLATE} ${from} is installed: CCE does not upgrade it to the older ${target.version}`,
    );
  const facts = await clusterFacts(request, managed);
  const current = instance.spec.values ?? {};
  const values = managedValues({ version: target, facts, current, inputs: request.inputs });
  // Compared on the real values (a changed password is a change), shown without secret ones.
  const changes = redactedChanges(valueChanges(current, values));
  if (target.version !== from) changes.unshift({ path: 'version', from, to: target.version });
  // Never "up to date" while the instance or its record says failed: the update goes again.
  const retry = !ADDON_READY_STATUSES.includes(status)
    ? `the instance is ${addonStatusLine(instance)} in CCE`
    : base.status !== 'deployed'
      ? `vkctl's revision ${base.revision} is ${base.status}`
      : undefined;
  const shown = {
    mode: 'managed' as const,
    from,
    version: target.version,
    changes,
    ...(retry ? { retry } : {}),
    values: redactedValues(values),
  };
  if (!retry && target.version === from && sameValues(values, current)) {
    const newest = request.version === undefined;
    return {
      ...shown,
      outcome: 'up-to-date',
      revision: base.revision,
      message: `${MANAGED_ADDON_TEMPLATE} ${from} is installed: ${newest ? 'already at the newest version CCE offers for this cluster' : 'already at that version'}, with these values`,
    };
  }
  const revision = nextRevision(releases);
  if (request.dryRun) return { ...shown, outcome: 'dry-run', revision };
  const record: ReleaseRecord = {
    revision,
    version: target.version,
    status: 'pending-upgrade',
    mode: 'managed',
    addonId: instance.metadata.uid,
    cloud: base.cloud,
    values,
    valuesDigest: managedDigest(target.version, values),
    objects: [],
    description: retry
      ? `Retry (${retry})`
      : target.version === from
        ? 'Values update started'
        : `Upgrade from ${from} started`,
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
  // As helm: the revision a success replaces is superseded (a pending one too); a failed one stays failed.
  if (end.ok && base.status !== 'failed')
    await saveRelease(core, request.namespace, { ...base, status: 'superseded' });
  return {
    ...shown,
    outcome: end.ok ? 'upgraded' : 'failed',
    revision,
    ...(end.ok ? {} : { message: end.message }),
  };
}
