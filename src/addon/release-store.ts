// Release records: one Secret per revision in the add-on's namespace, like helm's, labelled
// owner=vkctl with name, version, revision and status; data.release holds the gzipped JSON record.
// This reader serves doctor and status; install, upgrade and rollback will write them.
import { gunzipSync } from 'node:zlib';
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { RELEASE_OWNER_SELECTOR } from './names.js';

export type ReleaseStatus =
  'deployed' | 'failed' | 'superseded' | 'pending-install' | 'pending-upgrade' | 'pending-rollback';

export interface ReleaseRecord {
  revision: number;
  version: string;
  status: ReleaseStatus;
  values: Record<string, unknown>;
}

function decode(secret: V1Secret): ReleaseRecord | undefined {
  const labels = secret.metadata?.labels ?? {};
  const revision = Number(labels.revision);
  if (!Number.isInteger(revision) || !labels.version || !labels.status) return undefined;
  let values: Record<string, unknown> = {};
  const data = secret.data?.release;
  if (data) {
    try {
      const record = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as {
        values?: Record<string, unknown>;
      };
      values = record.values ?? {};
    } catch {
      // A record we cannot read still tells its revision, version and status.
    }
  }
  return { revision, version: labels.version, status: labels.status as ReleaseStatus, values };
}

/** All revisions, oldest first. */
export async function listReleases(core: CoreV1Api, namespace: string): Promise<ReleaseRecord[]> {
  const secrets = await core.listNamespacedSecret({ namespace, labelSelector: RELEASE_OWNER_SELECTOR });
  return secrets.items
    .map(decode)
    .filter((r): r is ReleaseRecord => r !== undefined)
    .sort((a, b) => a.revision - b.revision);
}

/** The newest deployed revision, if any. */
export async function currentRelease(core: CoreV1Api, namespace: string): Promise<ReleaseRecord | undefined> {
  return (await listReleases(core, namespace)).filter((r) => r.status === 'deployed').pop();
}
