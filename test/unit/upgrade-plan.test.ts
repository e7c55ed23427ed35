// Upgrade's decisions before it touches the cluster (issue 20), on the in-memory release store as
// helm tests its actions on its memory driver: a downgrade or a non-version refused, nothing to do
// for the same version and values, a new revision after whatever the history holds.
import assert from 'node:assert/strict';
import { changeBase } from '../../src/addon/release-decisions.js';
import { MemoryReleaseStore } from '../../src/addon/release-store-memory.js';
import type { ReleaseRecord, ReleaseStatus } from '../../src/addon/release-store.js';
import { upgradePlan } from '../../src/addon/upgrade-plan.js';
import { StateError } from '../../src/errors.js';

const record = (revision: number, status: ReleaseStatus, version = '0.2.0'): ReleaseRecord => ({
  revision,
  version,
  status,
  values: {},
  valuesDigest: `digest-${revision}`,
});

async function history(
  ...records: ReleaseRecord[]
): Promise<{ all: ReleaseRecord[]; current: ReleaseRecord }> {
  const store = new MemoryReleaseStore();
  for (const r of records) await store.save(r);
  const all = await store.list();
  const current = changeBase(all);
  assert.ok(current, 'a revision to change from');
  return { all, current };
}

const ask = { version: '0.2.0', force: false, digest: 'other', credentialsChange: false };

describe('upgrade plan on the in-memory store', () => {
  it('refuses a downgrade unless forced, and a version that is not one', async () => {
    const { all, current } = await history(record(1, 'superseded', '0.1.0'), record(2, 'deployed', '0.2.0'));
    assert.throws(
      () => upgradePlan(all, current, { ...ask, version: '0.1.0' }),
      (e: StateError) =>
        e instanceof StateError &&
        /older than the installed 0\.2\.0/.test(e.message) &&
        e.advice?.override?.option === 'force',
    );
    assert.deepEqual(upgradePlan(all, current, { ...ask, version: '0.1.0', force: true }), {
      kind: 'upgrade',
      revision: 3,
    });
    assert.throws(() => upgradePlan(all, current, { ...ask, version: 'latest' }), /unknown version latest/);
  });

  it('does nothing for the deployed version and values, unless credentials change', async () => {
    const { all, current } = await history(record(1, 'deployed'));
    assert.deepEqual(upgradePlan(all, current, { ...ask, digest: 'digest-1' }), { kind: 'up-to-date' });
    assert.deepEqual(upgradePlan(all, current, { ...ask, digest: 'digest-1', credentialsChange: true }), {
      kind: 'upgrade',
      revision: 2,
    });
    assert.deepEqual(upgradePlan(all, current, ask), { kind: 'upgrade', revision: 2 });
  });

  it('upgrades a failed release even with the same values, numbered after every record', async () => {
    // A rollback that failed leaves no deployed revision: the failed newest one is the base.
    const { all, current } = await history(record(1, 'superseded'), record(2, 'failed'), record(3, 'failed'));
    assert.equal(current.revision, 3);
    assert.deepEqual(upgradePlan(all, current, { ...ask, digest: 'digest-3' }), {
      kind: 'upgrade',
      revision: 4,
    });
  });
});
