// The rollback action: redeploys an earlier revision's version and values as a new revision (the
// previous one that ran, or the one asked for), waits, and records how it ended.
import { StateError } from '../errors.js';
import { nextRevision, rollbackTarget } from './release-decisions.js';
import { storeOf } from './revision-cluster.js';
import type { UpgradeResult } from './upgrade.js';
import { deployed, readiness, redeploy, type LifecycleTarget } from './revision.js';

export async function rollback(request: LifecycleTarget & { toRevision?: number }): Promise<UpgradeResult> {
  const { all, current } = await deployed(request);
  const target = rollbackTarget(all, current, request.toRevision);
  if (!target) {
    throw new StateError(
      request.toRevision === undefined
        ? 'no earlier revision to roll back to'
        : `revision ${request.toRevision} not found (see vkctl history)`,
    );
  }
  const done = await redeploy(request, target, current.objects ?? [], nextRevision(all));
  const notReady = await readiness(request, done);
  // The record says what happened: a rollback that did not come up is failed, not deployed.
  if (notReady)
    await storeOf(request).save({
      ...done,
      status: 'failed',
      description: `Rollback to ${target.revision} failed: ${notReady}`,
    });
  return {
    outcome: notReady ? 'failed' : 'rolled-back',
    revision: done.revision,
    version: done.version,
    message: `rolled back to revision ${target.revision}${notReady ? `, but ${notReady}` : ''}`,
  };
}
