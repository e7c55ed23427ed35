// The install action: refuse on failed preflight checks, render, record a pending release, apply
// every object with server-side apply in dependency order, wait, and record the outcome. Safe to
// re-run: with the same version and values it changes nothing; after an interruption (a release
// left pending-install) it picks up where it stopped.
import { StateError } from '../errors.js';
import { installPlan } from './release-decisions.js';
import { pruneStore, type ReleaseRecord } from './release-store.js';
import { otherInstallMessage } from './other-install.js';
import { manifestYaml, refOf, valuesDigest, type ObjectRef } from './render.js';
import { clusterOf, storeOf } from './revision-cluster.js';
import type { LifecycleTarget } from './revision.js';
import type { AddonCredentials, AddonValues } from './values.js';
import { WaitTimeoutError } from './wait.js';

/** Records and cluster as upgrade's (revision-cluster.ts): a memory store and a fake in unit tests. */
export interface InstallRequest extends LifecycleTarget {
  version: string;
  values: AddonValues;
  credentials: AddonCredentials;
  dryRun: boolean;
  /**
   * Preflight (checks/preflight-run.ts): throws when a check fails, returns warnings; undefined
   * skips the checks (--skip-checks).
   */
  preflight?: (options: { resuming: boolean }) => Promise<string[]>;
  /**
   * What else may hold the cluster outside the release records (Huawei's managed add-on, asked of
   * CCE: addon/managed/absent.ts): throws to refuse, returns warnings; run even without preflight.
   */
  conflicts?: () => Promise<string[]>;
}

export interface InstallResult {
  outcome: 'installed' | 'unchanged' | 'dry-run' | 'failed';
  revision: number;
  version: string;
  objects: ObjectRef[];
  /** The rendered manifests (secrets redacted), for --dry-run. */
  manifest?: string;
  warnings: string[];
  message?: string;
}

/** Values as recorded: everything but credentials, which are not values. */
function recordedValues(values: AddonValues): Record<string, unknown> {
  return { ...values };
}

export async function install(request: InstallRequest): Promise<InstallResult> {
  const store = storeOf(request);
  const cluster = clusterOf(request);
  const releases = await store.list();
  const digest = valuesDigest(request.version, request.values);
  const plan = installPlan(releases, digest);
  switch (plan.kind) {
    case 'managed-installed':
      throw new StateError(
        `Huawei's managed add-on ${plan.deployed.version} is installed through vkctl in ${request.namespace} (revision ${plan.deployed.revision}): uninstall it before installing vkctl's own runtime`,
      );
    case 'unchanged':
      return {
        outcome: 'unchanged',
        revision: plan.deployed.revision,
        version: plan.deployed.version,
        objects: plan.deployed.objects ?? [],
        warnings: [],
      };
    case 'installed-otherwise':
      throw new StateError(
        `vkctl ${plan.deployed.version} is already installed in ${request.namespace} (revision ${plan.deployed.revision}) with other values; use vkctl upgrade`,
      );
  }
  const pending = plan.resumes;
  const revision = plan.revision;

  const warnings: string[] = [];
  if (request.preflight) warnings.push(...(await request.preflight({ resuming: !!pending })));

  // Checked here too, not only by preflight: --skip-checks must not let it break the other install.
  const owner = await cluster.otherInstallNamespace();
  if (owner) throw new StateError(otherInstallMessage(owner));
  if (request.conflicts) warnings.push(...(await request.conflicts()));

  const objects = await cluster.render(request.version, request.values, { dryRun: request.dryRun });
  const refs = objects.map(refOf);
  if (request.dryRun) {
    // The server validates and admits each object without storing it.
    await cluster.validate(objects);
    return {
      outcome: 'dry-run',
      revision,
      version: request.version,
      objects: refs,
      manifest: manifestYaml(objects),
      warnings,
    };
  }

  const record: ReleaseRecord = {
    revision,
    version: request.version,
    status: 'pending-install',
    values: recordedValues(request.values),
    valuesDigest: digest,
    objects: refs,
    description: 'Install started',
    createdAt: pending?.createdAt,
  };
  await store.save(record);
  // A resumed install prunes what its interrupted attempt applied and this one does not.
  await cluster.deploy(objects, pending?.objects ?? []);

  if (request.wait) {
    try {
      await cluster.waitReady(request.values.nodeName);
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      await store.save({ ...record, status: 'failed', description: error.message });
      return {
        outcome: 'failed',
        revision,
        version: request.version,
        objects: refs,
        warnings,
        message: error.message,
      };
    }
  }
  await store.save({ ...record, status: 'deployed', description: 'Install complete' });
  await pruneStore(store);
  return { outcome: 'installed', revision, version: request.version, objects: refs, warnings };
}
