// `vkctl uninstall` in managed mode: the console's uninstall. CCE deletes the instance (the add-on
// then cleans its CCI side with a Job in the cluster: REF §1.2); vkctl follows it until CCE no longer
// has it, then removes its release records. Already gone (uninstalled in the console) is fine: the
// records go. A deleteFailed status ends it with CCE's reason, records kept.
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import { waitForAddonGone } from '../../cloud/cce-addon-wait.js';
import { isNotFound } from '../../cloud/http.js';
import { deleteReleases, type ReleaseRecord } from '../release-store.js';
import { coreOf, type ManagedTarget } from './cluster.js';

export interface ManagedUninstallResult {
  outcome: 'uninstalled' | 'dry-run';
  mode: 'managed';
  removed: string[];
}

export async function uninstallManaged(
  target: ManagedTarget & { dryRun: boolean },
  record: ReleaseRecord,
): Promise<ManagedUninstallResult> {
  const clusterId = target.session.clusterId;
  const api = (await target.session.cce()).addon;
  const id = record.addonId ?? '';
  const instance = id
    ? await api.get(id, clusterId).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      })
    : undefined;
  const what = `CCE add-on ${MANAGED_ADDON_TEMPLATE} ${instance?.spec.version ?? record.version} (${id || 'no instance recorded'})`;
  const removed = [...(instance ? [what] : []), `release records in ${target.namespace}`];
  if (target.dryRun) return { outcome: 'dry-run', mode: 'managed', removed };
  if (instance) {
    target.progress(`uninstalling ${what}`);
    // Deleting an instance CCE is already deleting is asked again only if it says so (404 is done).
    if (instance.status?.status !== 'deleting') await api.delete(id, clusterId);
    if (target.wait) {
      let last = '';
      await waitForAddonGone(api, id, clusterId, {
        timeoutMs: target.timeoutMs,
        intervalMs: target.pollMs,
        onStatus: (seen) => {
          const status = seen.status?.status ?? 'unknown';
          if (status !== last) target.progress(`${MANAGED_ADDON_TEMPLATE}: ${status}`);
          last = status;
        },
      });
    }
  } else {
    target.progress(`${what} is already gone from CCE`);
  }
  await deleteReleases(coreOf(target), target.namespace);
  return { outcome: 'uninstalled', mode: 'managed', removed };
}
