// upgrade, rollback and diff. An upgrade renders the target version with the current values plus
// any new ones, records a pending revision, deploys it (prune included) and waits; when that fails
// it rolls back by itself to the revision it replaced, as a new revision, like helm's
// --rollback-on-failure (unless told not to). A rollback redeploys an earlier revision's version
// and values. Credentials are the ones in the cluster unless new ones are given.
import { CoreV1Api, VersionApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import semver from 'semver';
import { UsageError } from '../errors.js';
import { catalogEntry, supportsKubernetes } from './catalog.js';
import { readInstalledCredentials } from './credentials.js';
import { deployRevision, waitForRevision } from './deploy.js';
import { DEFAULT_NODE_NAME } from './names.js';
import { listReleases, pruneHistory, saveRelease, type ReleaseRecord } from './release-store.js';
import { refOf, renderManifests, usesNodeCredentials, valuesDigest, type ObjectRef } from './render.js';
import { resolveValues, type AddonCredentials, type AddonValues, type ValueSources } from './values.js';
import { WaitTimeoutError } from './wait.js';
import { nodeCredentials, nodeCredentialsDue } from './node-credentials.js';
import { planChanges, type ObjectChange } from './plan-changes.js';

export type { ObjectChange };
import { webhookCertificates } from './webhook-certs.js';

export interface LifecycleTarget {
  kc: KubeConfig;
  namespace: string;
  wait: boolean;
  timeoutMs: number;
  manifestsRoot?: string | readonly string[];
  progress: (message: string) => void;
  /** New credentials; the installed ones are kept when absent. */
  credentials?: AddonCredentials;
}

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

async function installedCredentialsOrFail(core: CoreV1Api, namespace: string): Promise<AddonCredentials> {
  const credentials = await readInstalledCredentials(core, namespace);
  if (!credentials)
    throw new UsageError(
      'the add-on’s credentials Secret is missing: give --access-key and HUAWEICLOUD_SDK_SK',
    );
  return credentials;
}

async function render(
  target: LifecycleTarget,
  version: string,
  values: AddonValues,
  options: { renewNodeCertificate?: boolean; dryRun?: boolean } = {},
): Promise<KubernetesObject[]> {
  const core = target.kc.makeApiClient(CoreV1Api);
  return renderManifests({
    version,
    namespace: target.namespace,
    values,
    credentials: target.credentials ?? (await installedCredentialsOrFail(core, target.namespace)),
    webhook: await webhookCertificates(core, target.namespace),
    node: usesNodeCredentials(version, target.manifestsRoot)
      ? await nodeCredentials({
          kc: target.kc,
          core,
          namespace: target.namespace,
          nodeName: values.nodeName,
          renew: options.renewNodeCertificate ?? false,
          dryRun: options.dryRun ?? false,
          progress: target.progress,
        })
      : undefined,
    manifestsRoot: target.manifestsRoot,
  });
}

/** A version the catalog does not give for this cluster's Kubernetes is refused before anything changes. */
async function refuseUnsupportedKubernetes(request: UpgradeRequest, version: string): Promise<void> {
  const entry = catalogEntry(version);
  if (!entry || request.force) return;
  const server = await request.kc.makeApiClient(VersionApi).getCode();
  if (!supportsKubernetes(entry, server.gitVersion))
    throw new UsageError(
      `vkctl ${version} supports Kubernetes ${entry.kubernetes}; this cluster runs ${server.gitVersion} (pass --force to apply it anyway)`,
    );
}

async function deployed(
  core: CoreV1Api,
  namespace: string,
): Promise<{ all: ReleaseRecord[]; current: ReleaseRecord }> {
  const all = await listReleases(core, namespace);
  // The deployed revision; after a rollback that failed, none is, and the failed one is current
  // (as helm lets a failed release be upgraded or rolled back).
  const current =
    all.filter((r) => r.status === 'deployed').pop() ??
    (all.at(-1)?.status === 'failed' ? all.at(-1) : undefined);
  if (!current) throw new UsageError(`vkctl is not installed in ${namespace}: use vkctl install`);
  if (current.unreadable)
    throw new UsageError(
      `${current.unreadable}: nothing can be changed from it (restore the Secret, or uninstall and install again)`,
    );
  // The commands send a managed release to managed/; this is the guard should one come here.
  if (current.mode === 'managed')
    throw new UsageError(
      `Huawei's managed add-on is installed through vkctl in ${namespace}: CCE upgrades and rolls it back (vkctl upgrade follows it; rollback is the CCE console's)`,
    );
  return { all, current };
}

export async function upgrade(request: UpgradeRequest): Promise<UpgradeResult> {
  const core = request.kc.makeApiClient(CoreV1Api);
  const { all, current } = await deployed(core, request.namespace);
  const from = semver.parse(current.version);
  const to = semver.parse(request.version);
  if (!to) throw new UsageError(`unknown version ${request.version}`);
  if (from && semver.lt(to, from) && !request.force) {
    throw new UsageError(
      `${request.version} is older than the installed ${current.version}: pass --force to downgrade`,
    );
  }
  await refuseUnsupportedKubernetes(request, request.version);
  const base = current.values as unknown as AddonValues;
  const retagged =
    base.image?.tag === current.version ? { ...base, image: { ...base.image, tag: request.version } } : base;
  const values = resolveValues(request.version, request.values, retagged);
  const digest = valuesDigest(request.version, values);
  const renewalDue =
    usesNodeCredentials(request.version, request.manifestsRoot) &&
    (await nodeCredentialsDue(core, request.namespace, values.nodeName));
  if (
    digest === current.valuesDigest &&
    current.status === 'deployed' &&
    !request.updateCredentials &&
    !renewalDue
  )
    return { outcome: 'up-to-date', revision: current.revision, version: current.version };

  // What a rollback restores if this fails: the keys installed now, not new ones being tried.
  const installedKeys = request.credentials
    ? await readInstalledCredentials(core, request.namespace)
    : undefined;
  const objects = await render(request, request.version, values, {
    renewNodeCertificate: request.updateCredentials,
    dryRun: request.dryRun,
  });
  if (request.dryRun) {
    const changes = await planChanges(request.kc, objects, current.objects ?? []);
    return { outcome: 'dry-run', revision: current.revision, version: request.version, changes };
  }
  const revision = (all.at(-1)?.revision ?? current.revision) + 1;
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
  await saveRelease(core, request.namespace, record);
  try {
    await deployRevision({ ...request, objects, previous: current.objects ?? [] });
    if (request.wait) await waitForRevision({ ...request, nodeName: values.nodeName });
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0] ?? 'unknown error';
    await saveRelease(core, request.namespace, {
      ...record,
      status: 'failed',
      description: `Upgrade failed: ${reason}`,
    });
    if (!request.rollbackOnFailure) {
      return {
        outcome: 'failed',
        revision,
        version: request.version,
        message: `${reason} (left as it is: --no-rollback)`,
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
  await saveRelease(core, request.namespace, {
    ...record,
    status: 'deployed',
    description: request.updateCredentials
      ? 'Credentials updated'
      : `Upgrade from ${current.version} complete`,
  });
  await saveRelease(core, request.namespace, { ...current, status: 'superseded' });
  await pruneHistory(core, request.namespace);
  return { outcome: 'upgraded', revision, version: request.version };
}

/** Deploys `target`'s version and values again as a new revision. */
async function redeploy(
  request: LifecycleTarget,
  target: ReleaseRecord,
  replacing: readonly ObjectRef[],
  revision: number,
): Promise<ReleaseRecord> {
  const core = request.kc.makeApiClient(CoreV1Api);
  const values = target.values as unknown as AddonValues;
  const objects = await render(request, target.version, values);
  const record: ReleaseRecord = {
    revision,
    version: target.version,
    status: 'pending-rollback',
    values: target.values,
    valuesDigest: target.valuesDigest,
    objects: objects.map(refOf),
    description: `Rollback to ${target.revision}`,
  };
  await saveRelease(core, request.namespace, record);
  await deployRevision({ ...request, objects, previous: replacing });
  for (const r of await listReleases(core, request.namespace)) {
    if (r.status === 'deployed') await saveRelease(core, request.namespace, { ...r, status: 'superseded' });
  }
  const done: ReleaseRecord = { ...record, status: 'deployed' };
  await saveRelease(core, request.namespace, done);
  await pruneHistory(core, request.namespace);
  return done;
}

/** Waits for a redeployed revision when asked to; says why it is not ready, or undefined. */
async function readiness(request: LifecycleTarget, record: ReleaseRecord): Promise<string | undefined> {
  if (!request.wait) return undefined;
  try {
    await waitForRevision({
      ...request,
      nodeName: (record.values.nodeName as string | undefined) ?? DEFAULT_NODE_NAME,
    });
    return undefined;
  } catch (error) {
    if (error instanceof WaitTimeoutError) return error.message;
    throw error;
  }
}

export async function rollback(request: LifecycleTarget & { toRevision?: number }): Promise<UpgradeResult> {
  const core = request.kc.makeApiClient(CoreV1Api);
  const { all, current } = await deployed(core, request.namespace);
  const candidates = all.filter(
    (r) => r.revision < current.revision && (r.status === 'superseded' || r.status === 'deployed'),
  );
  const target =
    request.toRevision === undefined ? candidates.at(-1) : all.find((r) => r.revision === request.toRevision);
  if (!target) {
    throw new UsageError(
      request.toRevision === undefined
        ? 'no earlier revision to roll back to'
        : `revision ${request.toRevision} not found (see vkctl history)`,
    );
  }
  const done = await redeploy(
    request,
    target,
    current.objects ?? [],
    (all.at(-1)?.revision ?? current.revision) + 1,
  );
  const notReady = await readiness(request, done);
  // The record says what happened: a rollback that did not come up is failed, not deployed.
  if (notReady)
    await saveRelease(core, request.namespace, {
      ...done,
      status: 'failed',
      description: `Rollback to ${target.revision} failed: ${notReady}`,
    });
  return {
    outcome: notReady ? 'failed' : 'rolled-back',
    revision: done.revision,
    version: done.version,
    message: `rolled back to revision ${target.revision}${notReady ? `, but ${notReady}` : ''}`,
  };
}
