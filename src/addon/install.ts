// The install action: refuse on failed preflight checks, render, record a pending release, apply
// every object with server-side apply in dependency order, wait, and record the outcome. Safe to
// re-run: with the same version and values it changes nothing; after an interruption (a release
// left pending-install) it picks up where it stopped.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../errors.js';
import { Applier } from '../kube/apply.js';
import { installPlan } from './release-decisions.js';
import { listReleases, pruneHistory, saveRelease, type ReleaseRecord } from './release-store.js';
import { nodeCredentials } from './node-credentials.js';
import { otherInstallMessage, otherInstallNamespace } from './other-install.js';
import {
  manifestYaml,
  refOf,
  renderManifests,
  usesNodeCredentials,
  valuesDigest,
  type ObjectRef,
} from './render.js';
import type { AddonCredentials, AddonValues } from './values.js';
import { deployRevision, waitForRevision } from './deploy.js';
import { WaitTimeoutError } from './wait.js';
import { webhookCertificates } from './webhook-certs.js';

export interface InstallRequest {
  kc: KubeConfig;
  namespace: string;
  version: string;
  values: AddonValues;
  credentials: AddonCredentials;
  dryRun: boolean;
  wait: boolean;
  timeoutMs: number;
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
  manifestsRoot?: string | readonly string[];
  progress: (message: string) => void;
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
  const core = request.kc.makeApiClient(CoreV1Api);
  const releases = await listReleases(core, request.namespace);
  const digest = valuesDigest(request.version, request.values);
  const plan = installPlan(releases, digest);
  switch (plan.kind) {
    case 'managed-installed':
      throw new UsageError(
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
      throw new UsageError(
        `vkctl ${plan.deployed.version} is already installed in ${request.namespace} (revision ${plan.deployed.revision}) with other values; use vkctl upgrade`,
      );
  }
  const pending = plan.resumes;
  const revision = plan.revision;

  const warnings: string[] = [];
  if (request.preflight) warnings.push(...(await request.preflight({ resuming: !!pending })));

  // Checked here too, not only by preflight: --skip-checks must not let it break the other install.
  const owner = await otherInstallNamespace(request.kc, request.namespace);
  if (owner) throw new UsageError(otherInstallMessage(owner));
  if (request.conflicts) warnings.push(...(await request.conflicts()));

  const objects = renderManifests({
    version: request.version,
    namespace: request.namespace,
    values: request.values,
    credentials: request.credentials,
    webhook: await webhookCertificates(core, request.namespace),
    node: usesNodeCredentials(request.version, request.manifestsRoot)
      ? await nodeCredentials({
          kc: request.kc,
          core,
          namespace: request.namespace,
          nodeName: request.values.nodeName,
          renew: false,
          dryRun: request.dryRun,
          progress: request.progress,
        })
      : undefined,
    manifestsRoot: request.manifestsRoot,
  });
  const refs = objects.map(refOf);
  const applier = new Applier(request.kc);
  if (request.dryRun) {
    // The server validates and admits each object without storing it.
    for (const object of objects) await applier.apply(object, { dryRun: true });
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
  await saveRelease(core, request.namespace, record);
  // A resumed install prunes what its interrupted attempt applied and this one does not.
  await deployRevision({ ...request, objects, previous: pending?.objects ?? [] });

  if (request.wait) {
    try {
      await waitForRevision({ ...request, nodeName: request.values.nodeName });
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      await saveRelease(core, request.namespace, { ...record, status: 'failed', description: error.message });
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
  await saveRelease(core, request.namespace, {
    ...record,
    status: 'deployed',
    description: 'Install complete',
  });
  await pruneHistory(core, request.namespace);
  return { outcome: 'installed', revision, version: request.version, objects: refs, warnings };
}
