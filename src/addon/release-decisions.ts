// What the lifecycle actions decide from the release history alone, in one place: which revision is
// deployed, which one a change starts from, what install does, where a rollback goes, which records
// history pruning drops. Pure functions over records, so they are unit-tested on an in-memory store
// (test/unit/release-decisions.test.ts), as helm tests its actions on its memory driver.
import type { ReleaseRecord } from './release-store.js';

/** The newest deployed revision, if any. */
export function deployedRelease(records: readonly ReleaseRecord[]): ReleaseRecord | undefined {
  return records.filter((r) => r.status === 'deployed').at(-1);
}

/**
 * The revision an upgrade or rollback changes from: the deployed one; after a rollback that failed
 * none is, and the failed newest one is (as helm lets a failed release be upgraded or rolled back).
 */
export function changeBase(records: readonly ReleaseRecord[]): ReleaseRecord | undefined {
  const last = records.at(-1);
  return deployedRelease(records) ?? (last?.status === 'failed' ? last : undefined);
}

/** The number a new revision gets. */
export function nextRevision(records: readonly ReleaseRecord[]): number {
  return (records.at(-1)?.revision ?? 0) + 1;
}

export type InstallPlan =
  | { kind: 'unchanged'; deployed: ReleaseRecord }
  | { kind: 'installed-otherwise'; deployed: ReleaseRecord }
  | { kind: 'managed-installed'; deployed: ReleaseRecord }
  | { kind: 'install'; revision: number; resumes?: ReleaseRecord };

/**
 * What install does: nothing when the same version and values are deployed; refuse when other ones
 * are (upgrade's job) or Huawei's managed add-on is recorded; else a new revision, or the number of
 * an interrupted install it resumes.
 */
export function installPlan(records: readonly ReleaseRecord[], digest: string): InstallPlan {
  const deployed = deployedRelease(records);
  if (deployed?.mode === 'managed') return { kind: 'managed-installed', deployed };
  if (deployed)
    return deployed.valuesDigest === digest
      ? { kind: 'unchanged', deployed }
      : { kind: 'installed-otherwise', deployed };
  const resumes = records.find((r) => r.status === 'pending-install');
  return {
    kind: 'install',
    revision: resumes?.revision ?? nextRevision(records),
    ...(resumes ? { resumes } : {}),
  };
}

/**
 * Where a rollback goes: the given revision, or the newest earlier one that ran (superseded or
 * deployed); undefined when there is none.
 */
export function rollbackTarget(
  records: readonly ReleaseRecord[],
  current: ReleaseRecord,
  toRevision?: number,
): ReleaseRecord | undefined {
  if (toRevision !== undefined) return records.find((r) => r.revision === toRevision);
  return records
    .filter((r) => r.revision < current.revision && (r.status === 'superseded' || r.status === 'deployed'))
    .at(-1);
}

/** The records history pruning drops: all but the newest `keep`. */
export function revisionsToPrune(records: readonly ReleaseRecord[], keep: number): ReleaseRecord[] {
  return records.slice(0, Math.max(0, records.length - keep));
}
