// How Huawei's managed add-on is doing, for status and doctor: the CCE instance's status (with
// CCE's reason when it is not running); the virtual node it registers is in node-names.ts.
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import { ADDON_READY_STATUSES } from '../../cloud/cce-addons.js';
import { isNotFound } from '../../cloud/http.js';
import type { CloudConfig } from '../../cloud/config.js';
import { CloudSession } from '../../cloud/session.js';
import { cloudFor } from './cloud-for.js';
import type { ReleaseRecord } from '../release-store.js';
import { firstLine } from '../../errors.js';

export interface ManagedAddonState {
  id: string;
  /** CCE's status.status, or "gone" when CCE no longer has the instance. */
  status: string;
  ready: boolean;
  version?: string;
  /** CCE's Reason and message, when it gives them. */
  reason?: string;
  /** Why CCE could not be asked, when it could not. */
  error?: string;
}

export async function managedAddonState(
  session: CloudSession,
  record: ReleaseRecord,
): Promise<ManagedAddonState> {
  const id = record.addonId ?? '';
  try {
    const api = (await session.cce()).addon;
    const instance = await api.get(id, session.clusterId);
    const status = instance.status?.status ?? 'unknown';
    const reason = [instance.status?.Reason, instance.status?.message].filter(Boolean).join(': ');
    return {
      id,
      status,
      ready: ADDON_READY_STATUSES.includes(status),
      version: instance.status?.currentVersion?.version ?? instance.spec.version,
      ...(reason ? { reason } : {}),
    };
  } catch (error) {
    if (isNotFound(error))
      return {
        id,
        status: 'gone',
        ready: false,
        reason: `CCE has no ${MANAGED_ADDON_TEMPLATE} instance ${id}`,
      };
    return { id, status: 'unknown', ready: false, error: firstLine(error) };
  }
}

/**
 * A ManagedStateReader over the cloud settings given (flags, environment, config file), with the
 * region and cluster the record names; settings that are missing come back as the state's error.
 */
export function managedStateReader(
  cloud: CloudConfig,
): (record: ReleaseRecord) => Promise<ManagedAddonState> {
  return async (record) => {
    let session: CloudSession;
    try {
      session = new CloudSession(cloudFor(cloud, record));
    } catch (error) {
      return { id: record.addonId ?? '', status: 'unknown', ready: false, error: (error as Error).message };
    }
    return managedAddonState(session, record);
  };
}
