// The lifecycle's decisions from the release history (issue 20), on the in-memory store as helm tests
// its actions on its memory driver: what install does, which revision an upgrade or rollback starts
// from, where a rollback goes, and what pruning keeps.
import assert from 'node:assert/strict';
import {
  changeBase,
  deployedRelease,
  installPlan,
  nextRevision,
  rollbackTarget,
} from '../../src/addon/release-decisions.js';
import { MemoryReleaseStore } from '../../src/addon/release-store-memory.js';
import { pruneStore, type ReleaseRecord, type ReleaseStatus } from '../../src/addon/release-store.js';

const record = (
  revision: number,
  status: ReleaseStatus,
  extra: Partial<ReleaseRecord> = {},
): ReleaseRecord => ({
  revision,
  version: '0.2.0',
  status,
  values: {},
  valuesDigest: `digest-${revision}`,
  objects: [],
  ...extra,
});

describe('release decisions on the in-memory store', () => {
  it('install: a new revision, the number of an interrupted one, nothing, or a refusal', async () => {
    const empty = new MemoryReleaseStore();
    assert.deepEqual(installPlan(await empty.list(), 'd'), { kind: 'install', revision: 1 });

    const interrupted = new MemoryReleaseStore([record(1, 'pending-install')]);
    const resumed = installPlan(await interrupted.list(), 'd');
    assert.equal(resumed.kind === 'install' && resumed.revision, 1);
    assert.equal(resumed.kind === 'install' && resumed.resumes?.status, 'pending-install');

    const installed = await new MemoryReleaseStore([record(1, 'superseded'), record(2, 'deployed')]).list();
    assert.equal(installPlan(installed, 'digest-2').kind, 'unchanged');
    assert.equal(installPlan(installed, 'other').kind, 'installed-otherwise');

    const managed = await new MemoryReleaseStore([record(1, 'deployed', { mode: 'managed' })]).list();
    assert.equal(installPlan(managed, 'digest-1').kind, 'managed-installed');

    const uninstalledThenFailed = await new MemoryReleaseStore([record(1, 'failed')]).list();
    assert.deepEqual(installPlan(uninstalledThenFailed, 'd'), { kind: 'install', revision: 2 });
  });

  it('upgrade and rollback start from the deployed revision, or a failed newest one', async () => {
    const history = await new MemoryReleaseStore([
      record(1, 'superseded'),
      record(2, 'deployed'),
      record(3, 'failed'),
    ]).list();
    assert.equal(changeBase(history)?.revision, 2);
    assert.equal(deployedRelease(history)?.revision, 2);
    assert.equal(nextRevision(history), 4);
    const afterFailedRollback = await new MemoryReleaseStore([
      record(1, 'superseded'),
      record(2, 'failed'),
    ]).list();
    assert.equal(changeBase(afterFailedRollback)?.revision, 2);
    assert.equal(changeBase(await new MemoryReleaseStore([record(1, 'pending-upgrade')]).list()), undefined);
  });

  it('rollback goes to the newest earlier revision that ran, or the one asked for', async () => {
    const history = await new MemoryReleaseStore([
      record(1, 'superseded'),
      record(2, 'failed'),
      record(3, 'superseded'),
      record(4, 'deployed'),
    ]).list();
    const current = history[3]!;
    assert.equal(rollbackTarget(history, current)?.revision, 3);
    assert.equal(rollbackTarget(history, current, 1)?.revision, 1);
    assert.equal(rollbackTarget(history, current, 9), undefined);
    assert.equal(rollbackTarget([history[3]!], current), undefined, 'nothing earlier');
  });

  it('pruning keeps the newest revisions, and a save keeps createdAt', async () => {
    const store = new MemoryReleaseStore(Array.from({ length: 12 }, (_, i) => record(i + 1, 'superseded')));
    await pruneStore(store, 10);
    assert.deepEqual(
      (await store.list()).map((r) => r.revision),
      [3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    );
    await store.save(record(13, 'deployed', { createdAt: '2026-01-01T00:00:00.000Z' }));
    const saved = (await store.list()).at(-1)!;
    assert.equal(saved.createdAt, '2026-01-01T00:00:00.000Z');
    assert.ok(saved.updatedAt && saved.updatedAt > saved.createdAt);
  });
});
