// What upgrade decides before it touches the cluster, from the history and the request alone: refuse
// a version that is not one or a downgrade (unless forced), do nothing when the same version and
// values are deployed and no credential is due, else a new revision. Pure, so it is unit-tested on
// the in-memory store (test/unit/upgrade-plan.test.ts) beside release-decisions.ts.
import semver from 'semver';
import { StateError, UsageError } from '../errors.js';
import { nextRevision } from './release-decisions.js';
import type { ReleaseRecord } from './release-store.js';

export type UpgradePlan = { kind: 'up-to-date' } | { kind: 'upgrade'; revision: number };

export interface UpgradeAsk {
  version: string;
  force: boolean;
  /** valuesDigest of the version and values the upgrade would deploy. */
  digest: string;
  /** New credentials asked for, or a node certificate due: a change even with equal values. */
  credentialsChange: boolean;
}

/** Throws for a version that is not one, or one older than `current` without force. */
export function refuseVersion(current: ReleaseRecord, ask: Pick<UpgradeAsk, 'version' | 'force'>): void {
  const to = semver.parse(ask.version);
  if (!to) throw new UsageError(`unknown version ${ask.version}`);
  const from = semver.parse(current.version);
  if (from && semver.lt(to, from) && !ask.force)
    throw new StateError(`${ask.version} is older than the installed ${current.version}`, {
      advice: { override: { option: 'force', effect: 'to downgrade' } },
    });
}

/** What upgrade does from `current` (refuseVersion's refusals included). */
export function upgradePlan(
  records: readonly ReleaseRecord[],
  current: ReleaseRecord,
  ask: UpgradeAsk,
): UpgradePlan {
  refuseVersion(current, ask);
  if (ask.digest === current.valuesDigest && current.status === 'deployed' && !ask.credentialsChange)
    return { kind: 'up-to-date' };
  return { kind: 'upgrade', revision: nextRevision(records) };
}
