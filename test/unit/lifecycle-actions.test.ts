// The upgrade and rollback actions themselves (issue 20), on the in-memory release store and a fake
// cluster, as helm's actionConfigFixture runs its actions on the memory driver and a fake kube
// client: the records each outcome leaves, what reaches the cluster, and what is refused before
// anything does. The same actions against the real apiserver: test/integration/upgrade.test.ts.
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeCluster } from '../support/fake-revision-cluster.js';
import { MemoryReleaseStore } from '../../src/addon/release-store-memory.js';
import type { ReleaseRecord } from '../../src/addon/release-store.js';
import { valuesDigest } from '../../src/addon/render.js';
import type { LifecycleTarget } from '../../src/addon/revision.js';
import { rollback } from '../../src/addon/rollback.js';
import { planUpgrade, upgrade, type UpgradeRequest } from '../../src/addon/upgrade.js';
import { resolveValues } from '../../src/addon/values.js';
import { StateError } from '../../src/errors.js';

const VERSION = '0.2.0';

function installedRecord(revision: number, replicas: number): ReleaseRecord {
  const values = resolveValues(VERSION, { sets: [`replicas=${replicas}`] }, undefined);
  return {
    revision,
    version: VERSION,
    status: revision === 1 ? 'deployed' : 'superseded',
    values: { ...values },
    valuesDigest: valuesDigest(VERSION, values),
    objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'vkctl-provider', namespace: 'ns' }],
  };
}

function fixture(records: ReleaseRecord[] = [installedRecord(1, 1)]) {
  const releases = new MemoryReleaseStore(records);
  const cluster = new FakeCluster();
  const target: LifecycleTarget = {
    kc: new KubeConfig(), // unused: every call goes to the fakes
    namespace: 'ns',
    wait: true,
    timeoutMs: 1000,
    progress: () => undefined,
    credentials: { accessKey: 'AK', secretKey: 'SK' },
    releases,
    cluster,
  };
  const request = (over: Partial<UpgradeRequest> = {}): UpgradeRequest => ({
    ...target,
    version: VERSION,
    values: { sets: ['replicas=2'] },
    force: false,
    dryRun: false,
    rollbackOnFailure: true,
    ...over,
  });
  const statuses = async () => (await releases.list()).map((r) => `${r.revision}:${r.status}`);
  return { releases, cluster, target, request, statuses };
}

describe('lifecycle actions on the in-memory store and a fake cluster', () => {
  it('upgrade: a new deployed revision over the old one, which is superseded', async () => {
    const { cluster, request, statuses } = fixture();
    const result = await upgrade(request());
    assert.deepEqual([result.outcome, result.revision], ['upgraded', 2]);
    assert.deepEqual(await statuses(), ['1:superseded', '2:deployed']);
    assert.equal(cluster.deploys.length, 1);
    assert.equal(cluster.deploys[0]?.replicas, '2');
    assert.equal(cluster.deploys[0]?.previous[0]?.name, 'vkctl-provider', 'prunes against the old objects');
  });

  it('upgrade: the same version and values change nothing, and a dry run records nothing', async () => {
    const { cluster, request, statuses } = fixture();
    assert.equal((await upgrade(request({ values: { sets: ['replicas=1'] } }))).outcome, 'up-to-date');
    assert.equal((await upgrade(request({ dryRun: true }))).outcome, 'dry-run');
    assert.deepEqual(await statuses(), ['1:deployed']);
    assert.equal(cluster.deploys.length, 0);
  });

  it('the planner (diff): what would change, a downgrade shown rather than refused, nothing recorded', async () => {
    const { cluster, request, statuses } = fixture();
    const planned = await planUpgrade({ ...request(), force: true });
    assert.deepEqual(planned, {
      upToDate: false,
      revision: 1,
      changes: [{ object: 'Deployment/vkctl-provider replicas=2', change: 'change' }],
    });
    assert.equal((await planUpgrade({ ...request(), values: { sets: ['replicas=1'] } })).upToDate, true);
    const older = await planUpgrade({ ...request(), version: '0.1.0', force: true });
    assert.equal(older.upToDate, false);
    assert.deepEqual(older.changes, [{ object: 'Deployment/vkctl-provider replicas=2', change: 'change' }]);
    assert.deepEqual(await statuses(), ['1:deployed']);
    assert.equal(cluster.deploys.length, 0);
  });

  it('upgrade: a failure is recorded, then rolled back to the revision it replaced', async () => {
    const { cluster, request, statuses } = fixture();
    cluster.failDeploys = 1;
    const result = await upgrade(request());
    assert.equal(result.outcome, 'rolled-back');
    assert.match(result.message ?? '', /refused the Deployment/);
    assert.deepEqual(await statuses(), ['1:superseded', '2:failed', '3:deployed']);
    assert.equal(cluster.deploys[0]?.replicas, '1', 'the rollback deploys the old values');
  });

  it('upgrade: with rollback off, a failure is left failed and the old revision stays deployed', async () => {
    const { cluster, request, statuses } = fixture();
    cluster.failDeploys = 1;
    const result = await upgrade(request({ rollbackOnFailure: false }));
    assert.equal(result.outcome, 'failed');
    assert.deepEqual(await statuses(), ['1:deployed', '2:failed']);
    assert.equal(cluster.deploys.length, 0);
  });

  it('upgrade: refuses a downgrade and an unsupported Kubernetes before recording or applying anything', async () => {
    const { cluster, request, statuses } = fixture();
    await assert.rejects(
      upgrade(request({ version: '0.1.0' })),
      (e: StateError) =>
        e instanceof StateError &&
        /0\.1\.0 is older than the installed 0\.2\.0/.test(e.message) &&
        e.advice?.override?.option === 'force',
    );
    cluster.gitVersion = 'v1.29.0';
    await assert.rejects(upgrade(request()), /supports Kubernetes >=1\.31\.0/);
    assert.deepEqual(await statuses(), ['1:deployed']);
    assert.equal(cluster.deploys.length, 0);
  });

  it('upgrade: keeps the newest ten records', async () => {
    const { request, releases } = fixture();
    // Twelve upgrades, each a change: replicas 2, 3, 2, 3, ...
    for (let i = 0; i < 12; i++) await upgrade(request({ values: { sets: [`replicas=${2 + (i % 2)}`] } }));
    const revisions = (await releases.list()).map((r) => r.revision);
    assert.deepEqual(revisions, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('rollback: the previous revision again as a new one; one that does not come up is recorded failed', async () => {
    const { cluster, target, request, statuses } = fixture();
    await upgrade(request());
    const back = await rollback(target);
    assert.deepEqual([back.outcome, back.revision], ['rolled-back', 3]);
    assert.deepEqual(await statuses(), ['1:superseded', '2:superseded', '3:deployed']);
    assert.equal(cluster.deploys.at(-1)?.replicas, '1');
    cluster.notReady = true;
    const again = await rollback({ ...target, toRevision: 2 });
    assert.equal(again.outcome, 'failed');
    assert.deepEqual((await statuses()).slice(-1), ['4:failed']);
    await assert.rejects(rollback({ ...target, toRevision: 9 }), /revision 9 not found/);
  });
});
