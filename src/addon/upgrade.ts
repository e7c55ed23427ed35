// The upgrade action (and diff, its dry run). An upgrade renders the target version with the
// current values plus any new ones, records a pending revision, deploys it (prune included) and
// waits; when that fails it rolls back by itself to the revision it replaced, as a new revision,
// like helm's --rollback-on-failure (unless told not to). Credentials are the ones in the cluster
// unless new ones are given. rollback.ts holds the rollback action; revision.ts what both share.
import { firstLine, StateError } from '../errors.js';
import { catalogEntry, supportsKubernetes } from '../shared/catalog.js';
import { pruneStore, type ReleaseRecord } from './release-store.js';
import { refOf, usesNodeCredentials, valuesDigest } from './render.js';
import { resolveValues, type ValueSources } from './values.js';
import type { ObjectChange } from './plan-changes.js';
import { refuseVersion, upgradePlan } from './upgrade-plan.js';
import { clusterOf, storeOf } from './revision-cluster.js';
import { deployed, readiness, redeploy, type LifecycleTarget } from './revision.js';

export type { ObjectChange };
export type { LifecycleTarget };

export interface UpgradeRequest extends LifecycleTarget {
  version: string;
  values: ValueSources;
  force: boolean;
  dryRun: boolean;
  rollbackOnFailure: boolean;
  /**
   * Replace the runtime's credentials even when nothing else changes: a new node certificate, and
   * `credentials` (new CCI keys) when given. The pods roll, as with any change to what they read.
   */
  updateCredentials?: boolean;
}

export interface UpgradeResult {
  outcome: 'upgraded' | 'up-to-date' | 'dry-run' | 'rolled-back' | 'failed';
  revision: number;
  version: string;
  changes?: ObjectChange[];
  message?: string;
}

/** A version the catalog does not give for this cluster's Kubernetes is refused before anything changes. */
async function refuseUnsupportedKubernetes(request: UpgradeRequest, version: string): Promise<void> {
  const entry = catalogEntry(version);
  if (!entry || request.force) return;
  const gitVersion = await clusterOf(request).kubernetesVersion();
  if (!supportsKubernetes(entry, gitVersion))
    throw new StateError(
      `vkctl ${version} supports Kubernetes ${entry.kubernetes}; this cluster runs ${gitVersion}`,
      { advice: { override: { option: 'force', effect: 'to apply it anyway' } } },
    );
}

/** What upgrade, its dry run and diff decide first: the revision changed from, the values, the plan. */
async function decide(request: UpgradeRequest) {
  const cluster = clusterOf(request);
  const { all, current } = await deployed(request);
  // The version is checked (a downgrade refused) before anything else is asked of the cluster.
  refuseVersion(current, request);
  await refuseUnsupportedKubernetes(request, request.version);
  const base = current.values;
  const retagged =
    base.image?.tag === current.version ? { ...base, image: { ...base.image, tag: request.version } } : base;
  const values = resolveValues(request.version, request.values, retagged);
  const digest = valuesDigest(request.version, values);
  const renewalDue =
    usesNodeCredentials(request.version, request.manifestsRoot) &&
    (await cluster.nodeCredentialsDue(values.nodeName));
  const plan = upgradePlan(all, current, {
    version: request.version,
    force: request.force,
    digest,
    credentialsChange: Boolean(request.updateCredentials) || renewalDue,
  });
  return { cluster, current, values, digest, plan };
}

/**
 * The planner: what upgrading to `request` would change in the cluster, rendered and compared with
 * what the current revision applied, recording nothing (diff, and upgrade --dry-run).
 */
export async function planUpgrade(
  request: Omit<UpgradeRequest, 'dryRun' | 'rollbackOnFailure'>,
): Promise<{ upToDate: boolean; revision: number; changes: ObjectChange[] }> {
  const { cluster, current, values, plan } = await decide({
    ...request,
    dryRun: true,
    rollbackOnFailure: false,
  });
  if (plan.kind === 'up-to-date') return { upToDate: true, revision: current.revision, changes: [] };
  const objects = await cluster.render(request.version, values, {
    renewNodeCertificate: request.updateCredentials,
    dryRun: true,
  });
  return {
    upToDate: false,
    revision: current.revision,
    changes: await cluster.plan(objects, current.objects ?? []),
  };
}

export async function upgrade(request: UpgradeRequest): Promise<UpgradeResult> {
  if (request.dryRun) {
    const planned = await planUpgrade(request);
    return {
      outcome: planned.upToDate ? 'up-to-date' : 'dry-run',
      revision: planned.revision,
      version: request.version,
      ...(planned.upToDate ? {} : { changes: planned.changes }),
    };
  }
  const store = storeOf(request);
  const { cluster, current, values, digest, plan } = await decide(request);
  if (plan.kind === 'up-to-date')
    return { outcome: 'up-to-date', revision: current.revision, version: current.version };

  // What a rollback restores if this fails: the keys installed now, not new ones being tried.
  const installedKeys = request.credentials ? await cluster.installedCredentials() : undefined;
  const objects = await cluster.render(request.version, values, {
    renewNodeCertificate: request.updateCredentials,
  });
  const { revision } = plan;
  const record: ReleaseRecord = {
    revision,
    version: request.version,
    status: 'pending-upgrade',
    values: { ...values },
    valuesDigest: digest,
    objects: objects.map(refOf),
    description: request.updateCredentials
      ? 'Credentials update started'
      : `Upgrade from ${current.version} started`,
  };
  await store.save(record);
  try {
    await cluster.deploy(objects, current.objects ?? []);
    if (request.wait) await cluster.waitReady(values.nodeName);
  } catch (error) {
    const reason = firstLine(error);
    await store.save({
      ...record,
      status: 'failed',
      description: `Upgrade failed: ${reason}`,
    });
    if (!request.rollbackOnFailure) {
      return {
        outcome: 'failed',
        revision,
        version: request.version,
        message: `${reason} (left as it is: rollback on failure was off)`,
      };
    }
    request.progress(`upgrade failed (${reason}); rolling back to revision ${current.revision}`);
    const back = await redeploy(
      { ...request, credentials: installedKeys ?? request.credentials },
      current,
      record.objects ?? [],
      revision + 1,
    );
    const notReady = await readiness(request, back);
    return {
      outcome: 'rolled-back',
      revision: back.revision,
      version: current.version,
      message: notReady ? `${reason}; after the rollback: ${notReady}` : reason,
    };
  }
  await store.save({
    ...record,
    status: 'deployed',
    description: request.updateCredentials
      ? 'Credentials updated'
      : `Upgrade from ${current.version} complete`,
  });
  await store.save({ ...current, status: 'superseded' });
  await pruneStore(store);
  return { outcome: 'upgraded', revision, version: request.version };
}
