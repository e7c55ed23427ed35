// The install action itself (issue 20), on the in-memory release store and a fake cluster, as helm's
// actionConfigFixture runs its install: the records each outcome leaves, what reaches the cluster,
// and what is refused before anything is recorded. Against the real apiserver:
// test/integration/lifecycle.test.ts.
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { install, type InstallRequest } from '../../src/addon/install.js';
import { MemoryReleaseStore } from '../../src/addon/release-store-memory.js';
import type { ReleaseRecord } from '../../src/addon/release-store.js';
import { valuesDigest } from '../../src/addon/render.js';
import { resolveValues } from '../../src/addon/values.js';
import { FakeCluster } from '../support/fake-revision-cluster.js';

const VERSION = '0.2.0';
const values = resolveValues(VERSION, { sets: ['replicas=1'], flags: { region: 'r', clusterId: 'c' } });

function fixture(records: ReleaseRecord[] = []) {
  const releases = new MemoryReleaseStore(records);
  const cluster = new FakeCluster();
  const request = (over: Partial<InstallRequest> = {}): InstallRequest => ({
    kc: new KubeConfig(), // unused: every call goes to the fakes
    namespace: 'ns',
    version: VERSION,
    values,
    credentials: { accessKey: 'AK', secretKey: 'SK' },
    dryRun: false,
    wait: true,
    timeoutMs: 1000,
    progress: () => undefined,
    releases,
    cluster,
    ...over,
  });
  const statuses = async () => (await releases.list()).map((r) => `${r.revision}:${r.status}`);
  return { releases, cluster, request, statuses };
}

const recorded = (revision: number, status: ReleaseRecord['status'], extra: Partial<ReleaseRecord> = {}) => ({
  revision,
  version: VERSION,
  status,
  values: { ...values },
  valuesDigest: valuesDigest(VERSION, values),
  objects: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'left-by-the-first-try', namespace: 'ns' }],
  ...extra,
});

describe('the install action on the in-memory store and a fake cluster', () => {
  it('records revision 1 deployed, after applying once and waiting', async () => {
    const { cluster, request, releases, statuses } = fixture();
    const result = await install(request());
    assert.deepEqual([result.outcome, result.revision], ['installed', 1]);
    assert.deepEqual(await statuses(), ['1:deployed']);
    assert.equal(cluster.deploys.length, 1);
    assert.equal((await releases.list())[0]?.valuesDigest, valuesDigest(VERSION, values));
  });

  it('records a runtime that does not come up as failed, and says why', async () => {
    const { cluster, request, statuses } = fixture();
    cluster.notReady = true;
    const result = await install(request());
    assert.equal(result.outcome, 'failed');
    assert.match(result.message ?? '', /not available/);
    assert.deepEqual(await statuses(), ['1:failed']);
  });

  it('resumes an interrupted install under its number, pruning what the first try applied', async () => {
    const { cluster, request, statuses } = fixture([recorded(1, 'pending-install')]);
    const result = await install(request());
    assert.deepEqual([result.outcome, result.revision], ['installed', 1]);
    assert.deepEqual(await statuses(), ['1:deployed']);
    assert.equal(cluster.deploys[0]?.previous[0]?.name, 'left-by-the-first-try');
  });

  it('changes nothing for the same version and values; refuses other values and a managed record', async () => {
    const same = fixture([recorded(1, 'deployed')]);
    assert.equal((await install(same.request())).outcome, 'unchanged');
    assert.equal(same.cluster.deploys.length, 0);
    const other = fixture([recorded(1, 'deployed', { valuesDigest: 'other' })]);
    await assert.rejects(
      install(other.request()),
      /already installed .* with other values; use vkctl upgrade/,
    );
    const managed = fixture([recorded(1, 'deployed', { mode: 'managed' })]);
    await assert.rejects(install(managed.request()), /managed add-on/);
    assert.deepEqual(await other.statuses(), ['1:deployed']);
  });

  it('refuses, before recording or applying anything: a failed preflight, another install, a conflict', async () => {
    const failing = fixture();
    await assert.rejects(
      install(failing.request({ preflight: () => Promise.reject(new Error('preflight checks failed')) })),
      /preflight checks failed/,
    );
    const elsewhere = fixture();
    elsewhere.cluster.otherInstall = 'kube-system';
    await assert.rejects(install(elsewhere.request()), /kube-system/);
    const conflict = fixture();
    await assert.rejects(
      install(conflict.request({ conflicts: () => Promise.reject(new Error('the console installed it')) })),
      /console installed it/,
    );
    for (const f of [failing, elsewhere, conflict]) {
      assert.deepEqual(await f.statuses(), []);
      assert.equal(f.cluster.deploys.length, 0);
    }
  });

  it('a dry run has the apiserver validate every object and records nothing', async () => {
    const { cluster, request, statuses } = fixture();
    const result = await install(request({ dryRun: true }));
    assert.equal(result.outcome, 'dry-run');
    assert.deepEqual(cluster.validated, ['vkctl-provider']);
    assert.match(result.manifest ?? '', /kind: Deployment/);
    assert.deepEqual(await statuses(), []);
    assert.equal(cluster.deploys.length, 0);
  });
});
