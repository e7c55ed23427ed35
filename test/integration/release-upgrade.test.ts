// Upgrade between two released versions, as a user moves from one to the next: the previous release
// (0.1.0) and this CLI's version, both from manifests/ and both in the catalog. What the newer
// version no longer renders is computed by rendering both (not listed here, so the test follows the
// manifests as they change) and must be pruned by the upgrade and brought back by a rollback; a
// downgrade is refused without --force, through the API and through bin/run.js, and changes nothing.
import assert from 'node:assert/strict';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import semver from 'semver';
import { catalogEntry, cliVersion } from '../../src/shared/catalog.js';
import { install } from '../../src/addon/install.js';
import { listReleases } from '../../src/addon/release-store.js';
import {
  describeRef,
  refOf,
  renderManifests,
  VERSION_LABEL,
  type ObjectRef,
} from '../../src/addon/render.js';
import { addonHistory } from '../../src/addon/status.js';
import { rollback } from '../../src/addon/rollback.js';
import { upgrade } from '../../src/addon/upgrade.js';
import { StateError } from '../../src/errors.js';
import { installRequest, removeAddon, upgradeRequest } from '../env/addon.js';
import { useTestEnvironment, vkctlEnvironment, type TestEnvironment } from '../env/environment.js';
import { runVkctl } from '../env/run-cli.js';
import { waitFor } from '../env/wait.js';

/** The release before this one. */
const PREVIOUS = '0.1.0';
const CURRENT = cliVersion();

/** The objects `version` renders for an install into `namespace` with the tests' values, by name. */
function rendered(env: TestEnvironment, namespace: string, version: string): Map<string, ObjectRef> {
  const request = installRequest(env, namespace, { version });
  const objects = renderManifests({
    version,
    namespace,
    values: request.values,
    credentials: request.credentials,
    webhook: { caCert: 'ca', caKey: 'ca-key', cert: 'cert', key: 'key' },
  });
  return new Map(objects.map((o) => [describeRef(refOf(o)), refOf(o)]));
}

/** A version as a regular expression matching only itself. */
const re = (version: string) => version.replaceAll('.', '\\.');

describe(`release upgrade ${PREVIOUS} → ${CURRENT}, rollback and downgrade`, function () {
  this.timeout(120_000);
  const env = useTestEnvironment();

  /** The object as it is in the cluster, undefined when it is absent. */
  const readLive = (ref: ObjectRef) =>
    KubernetesObjectApi.makeApiClient(env().kc)
      .read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      })
      .catch((e: { code?: number }) => (e.code === 404 ? undefined : Promise.reject(e as Error)));

  /** An object's version label, undefined when it is absent. */
  const versionOf = async (ref: ObjectRef): Promise<string | undefined> => {
    const live = await readLive(ref);
    return live ? (live.metadata?.labels?.[VERSION_LABEL] ?? '(no label)') : undefined;
  };

  /** Every object of `version` exists, labelled with it; every object in `gone` is deleted. */
  const assertDeployed = async (version: string, present: Map<string, ObjectRef>, gone: ObjectRef[]) => {
    for (const [name, ref] of present) assert.equal(await versionOf(ref), version, `${name} from ${version}`);
    for (const ref of gone)
      // Pruning deletes in the foreground: the garbage collector may take a moment to finish.
      await waitFor(`${describeRef(ref)} to be deleted`, async () => (await versionOf(ref)) === undefined, {
        timeoutMs: 15_000,
      });
  };

  /** The release records and every object of either version, as resource versions: what "nothing changed" compares. */
  const snapshot = async (namespace: string, refs: ObjectRef[]) => {
    const objects: Record<string, string> = {};
    for (const ref of refs)
      objects[describeRef(ref)] = (await readLive(ref))?.metadata?.resourceVersion ?? 'absent';
    const records = (
      await env().core.listNamespacedSecret({ namespace, labelSelector: 'owner=vkctl' })
    ).items.map((s) => `${s.metadata?.name}@${s.metadata?.resourceVersion}`);
    return { objects, records: records.sort() };
  };

  /** Installs PREVIOUS into `ns` and upgrades it to CURRENT: revisions 1 and 2. */
  const upgraded = async (ns: string) => {
    const previous = rendered(env(), ns, PREVIOUS);
    const current = rendered(env(), ns, CURRENT);
    const dropped = [...previous].filter(([name]) => !current.has(name)).map(([, ref]) => ref);
    const added = [...current].filter(([name]) => !previous.has(name)).map(([, ref]) => ref);
    assert.equal(
      (await install(installRequest(env(), ns, { version: PREVIOUS, preflight: undefined }))).revision,
      1,
    );
    const result = await upgrade(upgradeRequest(env(), ns));
    assert.equal(result.outcome, 'upgraded', result.message);
    assert.equal(result.revision, 2);
    return { previous, current, dropped, added };
  };

  it('knows both versions: the previous release and this CLI’s, newer, each in the catalog', () => {
    assert.ok(catalogEntry(PREVIOUS), `${PREVIOUS} in the catalog`);
    assert.ok(catalogEntry(CURRENT), `${CURRENT} in the catalog`);
    assert.ok(semver.gt(CURRENT, PREVIOUS), `${CURRENT} is newer than ${PREVIOUS}`);
  });

  it(`upgrades: what ${CURRENT} no longer has is pruned, what it has is applied, and history shows both revisions`, async () => {
    const ns = await env().createNamespace('release-up');
    try {
      const { previous, current, dropped, added } = await upgraded(ns);
      assert.ok(
        dropped.length > 0,
        `${CURRENT} drops or renames at least one object of ${PREVIOUS} (rendered: ${[...previous.keys()].join(', ')})`,
      );
      await assertDeployed(CURRENT, current, dropped);
      const releases = await listReleases(env().core, ns);
      assert.deepEqual(
        releases.map((r) => (r.objects ?? []).map(describeRef).sort()),
        [[...previous.keys()].sort(), [...current.keys()].sort()],
        'each revision records what its version rendered',
      );
      assert.deepEqual(
        (await addonHistory(env().kc, ns)).map((h) => [h.revision, h.status, h.version, h.description]),
        [
          [1, 'superseded', PREVIOUS, 'Install complete'],
          [2, 'deployed', CURRENT, `Upgrade from ${PREVIOUS} complete`],
        ],
      );
      assert.equal((await upgrade(upgradeRequest(env(), ns))).outcome, 'up-to-date');
      // added may be empty (a version can only drop objects); when not, they exist (checked above).
      for (const ref of added) assert.equal(await versionOf(ref), CURRENT);
    } finally {
      await removeAddon(env(), ns);
    }
  });

  it(`rolls back to revision 1: the ${PREVIOUS} objects are back and the ${CURRENT}-only ones are gone`, async () => {
    const ns = await env().createNamespace('release-back');
    try {
      const { previous, dropped, added } = await upgraded(ns);
      const back = await rollback({ ...upgradeRequest(env(), ns), toRevision: 1 });
      assert.equal(back.outcome, 'rolled-back', back.message);
      assert.equal(back.revision, 3);
      assert.equal(back.version, PREVIOUS);
      await assertDeployed(PREVIOUS, previous, added);
      for (const ref of dropped) assert.equal(await versionOf(ref), PREVIOUS, `${describeRef(ref)} is back`);
      assert.deepEqual(
        (await addonHistory(env().kc, ns)).map((h) => [h.revision, h.status, h.version]),
        [
          [1, 'superseded', PREVIOUS],
          [2, 'superseded', CURRENT],
          [3, 'deployed', PREVIOUS],
        ],
      );
      assert.equal((await listReleases(env().core, ns))[2]?.description, 'Rollback to 1');
      // From the rolled-back state, upgrading again works as the first time did.
      const again = await upgrade(upgradeRequest(env(), ns));
      assert.equal(again.outcome, 'upgraded', again.message);
      assert.equal(again.revision, 4);
    } finally {
      await removeAddon(env(), ns);
    }
  });

  it(`refuses upgrade --version ${PREVIOUS} from ${CURRENT} without --force and changes nothing; with it, downgrades`, async () => {
    const ns = await env().createNamespace('release-down');
    try {
      const { previous, current, dropped, added } = await upgraded(ns);
      const refs = [...new Map([...previous, ...current]).values()];
      const before = await snapshot(ns, refs);
      await assert.rejects(upgrade(upgradeRequest(env(), ns, { version: PREVIOUS })), (e: unknown) => {
        assert.ok(e instanceof StateError, String(e));
        assert.doesNotMatch(e.message, /\n/, 'one line');
        assert.match(e.message, new RegExp(`${re(PREVIOUS)}.*older.*${re(CURRENT)}`));
        assert.equal(e.advice?.override?.option, 'force', 'force overrides it (the command spells --force)');
        return true;
      });
      assert.deepEqual(await snapshot(ns, refs), before, 'no object and no release record changed');

      const forced = await upgrade(upgradeRequest(env(), ns, { version: PREVIOUS, force: true }));
      assert.equal(forced.outcome, 'upgraded', forced.message);
      assert.equal(forced.revision, 3);
      assert.equal(forced.version, PREVIOUS);
      await assertDeployed(PREVIOUS, previous, added);
      for (const ref of dropped) assert.equal(await versionOf(ref), PREVIOUS);
      const deployment = await env().apps.readNamespacedDeployment({ name: 'vkctl-provider', namespace: ns });
      assert.ok(
        deployment.spec?.template.spec?.containers[0]?.image?.endsWith(`:${PREVIOUS}`),
        'the image follows the version back',
      );
    } finally {
      await removeAddon(env(), ns);
    }
  });

  it(`vkctl upgrade --version ${PREVIOUS} (bin/run.js) exits 1 with one line and changes nothing; --force proceeds`, async () => {
    const ns = await env().createNamespace('release-cli');
    try {
      const { previous, current } = await upgraded(ns);
      const refs = [...new Map([...previous, ...current]).values()];
      const before = await snapshot(ns, refs);
      const refused = await runVkctl(['upgrade', '-n', ns, '--version', PREVIOUS, '--no-wait'], {
        env: vkctlEnvironment(env()),
      });
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.equal(refused.stdout, '');
      const lines = refused.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, refused.stderr);
      assert.match(lines[0] ?? '', new RegExp(`^Error: ${re(PREVIOUS)}.*older.*${re(CURRENT)}.*--force`));
      assert.deepEqual(await snapshot(ns, refs), before, 'no object and no release record changed');

      const forced = await runVkctl(['upgrade', '-n', ns, '--version', PREVIOUS, '--force', '--no-wait'], {
        env: vkctlEnvironment(env()),
      });
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stdout, new RegExp(`upgraded to vkctl ${re(PREVIOUS)} \\(revision 3\\)`));
      const history = await runVkctl(['history', '-n', ns, '--json'], { env: vkctlEnvironment(env()) });
      assert.equal(history.code, 0, history.stderr);
      assert.deepEqual(
        (JSON.parse(history.stdout) as { revisions: { revision: number; version: string }[] }).revisions.map(
          (r) => [r.revision, r.version],
        ),
        [
          [1, PREVIOUS],
          [2, CURRENT],
          [3, PREVIOUS],
        ],
      );
    } finally {
      await removeAddon(env(), ns);
    }
  });
});
