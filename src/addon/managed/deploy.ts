// One managed revision's life, shared by install and upgrade: record it pending, make the CCE call,
// follow the instance's status to running/available with progress, and record how it ended. A
// *Failed status ends it with CCE's reason; a wait that runs out ends it as failed, with the last
// status seen. Without --wait the request is recorded as deployed once CCE has taken it, as vkctl's
// own --no-wait records its applied objects.
import type { AddonInstance } from '../../cloud/cce-addons.js';
import { AddonFailedError, AddonWaitTimeoutError, waitForAddonReady } from '../../cloud/cce-addon-wait.js';
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import { pruneHistory, saveRelease, type ReleaseRecord } from '../release-store.js';
import { coreOf, type ManagedCluster, type ManagedTarget } from './cluster.js';
import { firstLine } from '../../errors.js';

export interface ManagedDeployment {
  record: ReleaseRecord;
  /** Ends the revision: true when the instance is running (or CCE took the request, without --wait). */
  ok: boolean;
  message?: string;
  status?: string;
}

/** Records `record` (pending), calls CCE, and follows the instance until the revision's end. */
export async function deployManagedRevision(
  target: ManagedTarget,
  managed: ManagedCluster,
  record: ReleaseRecord,
  call: () => Promise<AddonInstance>,
  done: { ok: string },
): Promise<ManagedDeployment> {
  const core = coreOf(target);
  await saveRelease(core, target.namespace, record);
  let instance: AddonInstance;
  try {
    instance = await call();
  } catch (error) {
    // CCE refused the request: nothing changed there, and the record says so.
    const message = firstLine(error);
    await saveRelease(core, target.namespace, { ...record, status: 'failed', description: message });
    throw error;
  }
  const withId: ReleaseRecord = { ...record, addonId: instance.metadata.uid };
  await saveRelease(core, target.namespace, withId);
  if (!target.wait) return finish(target, withId, { ok: true, message: `${done.ok} (not waited for)` });

  let last = '';
  try {
    const ready = await waitForAddonReady(managed.api, instance.metadata.uid, managed.clusterId, {
      timeoutMs: target.timeoutMs,
      intervalMs: target.pollMs,
      version: record.version,
      onStatus: (seen) => {
        const status = seen.status?.status ?? 'unknown';
        if (status !== last) target.progress(`${MANAGED_ADDON_TEMPLATE} ${record.version}: ${status}`);
        last = status;
      },
    });
    return finish(target, withId, { ok: true, message: done.ok, status: ready.status?.status });
  } catch (error) {
    if (!(error instanceof AddonFailedError) && !(error instanceof AddonWaitTimeoutError)) throw error;
    return finish(target, withId, { ok: false, message: error.message, status: last || undefined });
  }
}

async function finish(
  target: ManagedTarget,
  record: ReleaseRecord,
  end: { ok: boolean; message: string; status?: string },
): Promise<ManagedDeployment> {
  const core = coreOf(target);
  const ended: ReleaseRecord = {
    ...record,
    status: end.ok ? 'deployed' : 'failed',
    description: end.message,
  };
  await saveRelease(core, target.namespace, ended);
  await pruneHistory(core, target.namespace);
  return { record: ended, ok: end.ok, message: end.message, status: end.status };
}
