// What upgrade and rollback share: the target they act on, rendering a revision with the installed
// (or new) credentials, the revision a change starts from, and deploying an earlier revision's
// version and values again as a new one (a rollback, asked for or after a failed upgrade).
import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { UsageError } from '../errors.js';
import { readInstalledCredentials } from './credentials.js';
import { deployRevision, waitForRevision } from './deploy.js';
import { DEFAULT_NODE_NAME } from '../shared/names.js';
import { changeBase } from './release-decisions.js';
import { listReleases, pruneHistory, saveRelease, type ReleaseRecord } from './release-store.js';
import { refOf, renderManifests, usesNodeCredentials, type ObjectRef } from './render.js';
import { type AddonCredentials, type AddonValues } from './values.js';
import { WaitTimeoutError } from './wait.js';
import { nodeCredentials } from './node-credentials.js';
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

async function installedCredentialsOrFail(core: CoreV1Api, namespace: string): Promise<AddonCredentials> {
  const credentials = await readInstalledCredentials(core, namespace);
  if (!credentials)
    throw new UsageError('the add-on’s credentials Secret is missing: give the CCI keys again', {
      advice: {
        missing: [
          { option: 'accessKey', env: 'HUAWEICLOUD_SDK_AK' },
          { option: 'secretKey', env: 'HUAWEICLOUD_SDK_SK' },
        ],
      },
    });
  return credentials;
}

export async function renderRevision(
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

export async function deployed(
  core: CoreV1Api,
  namespace: string,
): Promise<{ all: ReleaseRecord[]; current: ReleaseRecord }> {
  const all = await listReleases(core, namespace);
  // The deployed revision; after a rollback that failed, none is, and the failed one is current
  // (as helm lets a failed release be upgraded or rolled back).
  const current = changeBase(all);
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

/** Deploys `target`'s version and values again as a new revision. */
export async function redeploy(
  request: LifecycleTarget,
  target: ReleaseRecord,
  replacing: readonly ObjectRef[],
  revision: number,
): Promise<ReleaseRecord> {
  const core = request.kc.makeApiClient(CoreV1Api);
  const values = target.values as unknown as AddonValues;
  const objects = await renderRevision(request, target.version, values);
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
export async function readiness(
  request: LifecycleTarget,
  record: ReleaseRecord,
): Promise<string | undefined> {
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
