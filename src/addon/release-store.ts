// Release records: one Secret per revision in the add-on's namespace, like helm's, named
// vkctl.release.v<N>, of type vkctl.io/release.v1 and labelled owner=vkctl with name, version,
// revision and status; data.release holds the gzipped JSON record. Values are stored without
// credentials. History is capped (10 revisions, as helm's default).
import { gunzipSync, gzipSync } from 'node:zlib';
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { isNotFound } from '../kube/errors.js';
import { ADDON_NAME, RELEASE_OWNER_SELECTOR, RELEASE_SECRET_TYPE } from '../shared/names.js';
import type { AddonValues } from '../shared/config-contract.js';
import type { ObjectRef } from './render.js';
import { deployedRelease, revisionsToPrune } from './release-decisions.js';
import { firstLine } from '../errors.js';

export type ReleaseStatus =
  | 'deployed'
  | 'failed'
  | 'superseded'
  | 'uninstalling'
  | 'pending-install'
  | 'pending-upgrade'
  | 'pending-rollback';

interface RecordFields {
  revision: number;
  version: string;
  status: ReleaseStatus;
  /** Digest of version + values: equal digests mean nothing to change. */
  valuesDigest?: string;
  /** What this revision applied, in apply order. */
  objects?: ObjectRef[];
  description?: string;
  createdAt?: string;
  updatedAt?: string;
  /** The CCE add-on instance (its metadata.uid), in managed mode. */
  addonId?: string;
  /** Where the instance is, in managed mode: later commands need only credentials. */
  cloud?: { region: string; clusterId: string };
  /** Set when the stored record cannot be read: why. Only the Secret's labels are known then. */
  unreadable?: string;
}

/**
 * A revision of vkctl's own runtime: its values as recorded (without credentials). A record of an
 * older version may lack keys a newer one added; resolveValues gives them their defaults.
 */
export interface RuntimeRecord extends RecordFields {
  mode?: undefined;
  values: Partial<AddonValues>;
}

/**
 * A revision of Huawei's own add-on, driven through CCE's add-on API (the managed install): its
 * version is the add-on's and its values the instance's, whose keys CCE's template decides.
 */
export interface ManagedRecord extends RecordFields {
  mode: 'managed';
  values: Record<string, unknown>;
}

export type ReleaseRecord = RuntimeRecord | ManagedRecord;

export const HISTORY_MAX = 10;

export function releaseSecretName(revision: number): string {
  return `${ADDON_NAME}.release.v${revision}`;
}

function decode(secret: V1Secret): ReleaseRecord | undefined {
  const labels = secret.metadata?.labels ?? {};
  const revision = Number(labels.revision);
  if (!Number.isInteger(revision) || !labels.version || !labels.status) return undefined;
  // A record that cannot be read still tells its revision, version and status (its labels), and
  // says that it cannot be read: nothing may take it for a good one.
  let stored: Partial<ReleaseRecord> = {};
  let unreadable: string | undefined;
  const data = secret.data?.release;
  if (!data) unreadable = 'it holds no record';
  else {
    try {
      const parsed: unknown = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) stored = parsed;
      else unreadable = 'its record is not a JSON object';
    } catch (error) {
      unreadable = `its record cannot be read (${firstLine(error)})`;
    }
  }
  const values = stored.values;
  return {
    ...stored,
    revision,
    version: labels.version,
    status: labels.status as ReleaseStatus,
    values: typeof values === 'object' && values !== null ? values : {},
    objects: Array.isArray(stored.objects) ? stored.objects : [],
    ...(unreadable ? { unreadable: `release record ${secret.metadata?.name}: ${unreadable}` } : {}),
  };
}

/**
 * Where release records are kept, as helm's storage driver: the actions and their decisions work on
 * this interface; SecretReleaseStore keeps them in the cluster, MemoryReleaseStore
 * (release-store-memory.ts) in memory for unit tests of those decisions.
 */
export interface ReleaseStore {
  /** All revisions, oldest first. */
  list(): Promise<ReleaseRecord[]>;
  /** Creates or replaces the record of one revision (createdAt kept, updatedAt now). */
  save(record: ReleaseRecord): Promise<void>;
  /** Removes one revision's record; one already gone is fine. */
  remove(revision: number): Promise<void>;
}

/** The revisions among Secrets listed with RELEASE_OWNER_SELECTOR, oldest first. */
export function releasesOf(secrets: V1Secret[]): ReleaseRecord[] {
  return secrets
    .filter((s) => s.type === RELEASE_SECRET_TYPE)
    .map(decode)
    .filter((r): r is ReleaseRecord => r !== undefined)
    .sort((a, b) => a.revision - b.revision);
}

/** A record as stored: createdAt kept (or now), updatedAt now. */
export function stamped(record: ReleaseRecord): ReleaseRecord {
  const now = new Date().toISOString();
  return { ...record, createdAt: record.createdAt ?? now, updatedAt: now };
}

/** One revision's record as its Secret (the layout at the top of this file), stamped as stored. */
export function releaseSecret(record: ReleaseRecord, namespace: string): V1Secret {
  return {
    metadata: {
      name: releaseSecretName(record.revision),
      namespace,
      labels: {
        owner: 'vkctl',
        name: ADDON_NAME,
        version: record.version,
        revision: String(record.revision),
        status: record.status,
      },
    },
    type: RELEASE_SECRET_TYPE,
    data: { release: gzipSync(JSON.stringify(stamped(record))).toString('base64') },
  };
}

/** Records as Secrets of the add-on's namespace (the layout at the top of this file). */
export class SecretReleaseStore implements ReleaseStore {
  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
  ) {}

  async list(): Promise<ReleaseRecord[]> {
    const secrets = await this.core.listNamespacedSecret({
      namespace: this.namespace,
      labelSelector: RELEASE_OWNER_SELECTOR,
    });
    return releasesOf(secrets.items);
  }

  async save(record: ReleaseRecord): Promise<void> {
    const body = releaseSecret(record, this.namespace);
    const name = releaseSecretName(record.revision);
    try {
      await this.core.replaceNamespacedSecret({ name, namespace: this.namespace, body });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.core.createNamespacedSecret({ namespace: this.namespace, body });
    }
  }

  async remove(revision: number): Promise<void> {
    await this.core
      .deleteNamespacedSecret({ name: releaseSecretName(revision), namespace: this.namespace })
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }
}

/**
 * Keeps the newest `keep` revisions. Housekeeping: a record that cannot be removed now stays, and
 * goes at the next prune; it never fails the action that pruned.
 */
export async function pruneStore(store: ReleaseStore, keep = HISTORY_MAX): Promise<void> {
  for (const old of revisionsToPrune(await store.list(), keep))
    await store.remove(old.revision).catch(() => undefined);
}

// The cluster's records, by client and namespace, as the actions have always called them.

export function listReleases(core: CoreV1Api, namespace: string): Promise<ReleaseRecord[]> {
  return new SecretReleaseStore(core, namespace).list();
}

/** The newest deployed revision, if any. */
export async function currentRelease(core: CoreV1Api, namespace: string): Promise<ReleaseRecord | undefined> {
  return deployedRelease(await listReleases(core, namespace));
}

export function saveRelease(core: CoreV1Api, namespace: string, record: ReleaseRecord): Promise<void> {
  return new SecretReleaseStore(core, namespace).save(record);
}

export function pruneHistory(core: CoreV1Api, namespace: string, keep = HISTORY_MAX): Promise<void> {
  return pruneStore(new SecretReleaseStore(core, namespace), keep);
}

export async function deleteReleases(core: CoreV1Api, namespace: string): Promise<void> {
  const store = new SecretReleaseStore(core, namespace);
  for (const release of await store.list()) await store.remove(release.revision);
}
