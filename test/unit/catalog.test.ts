// The release catalog agrees with what ships (docs/releasing.md): this CLI's version is the newest
// entry, every entry has its manifests and a changelog section, and every manifests/ directory is
// a catalog entry, so `upgrade --version` and `rollback` find any released version in the package.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import semver from 'semver';
import { CATALOG, catalogEntry, cliVersion, supportsKubernetes } from '../../src/shared/catalog.js';
import { MANIFESTS_ROOT } from '../../src/addon/render.js';

describe('release catalog', () => {
  const versions = CATALOG.map((e) => e.version);

  it('lists versions oldest first, each with a valid Kubernetes range, and this CLI’s version last', () => {
    for (const entry of CATALOG) {
      assert.ok(semver.valid(entry.version), entry.version);
      assert.ok(semver.validRange(entry.kubernetes), `${entry.version}: ${entry.kubernetes}`);
    }
    assert.deepEqual(versions, [...versions].sort(semver.compare), 'oldest first');
    assert.equal(new Set(versions).size, versions.length, 'no version twice');
    assert.equal(versions.at(-1), cliVersion(), 'the package version is the newest entry');
    const entry = catalogEntry(cliVersion());
    assert.ok(
      entry && supportsKubernetes(entry, 'v1.33.13'),
      'the test control plane’s Kubernetes is supported',
    );
  });

  it('has manifests for every version, and no manifests outside it', () => {
    const dirs = readdirSync(MANIFESTS_ROOT, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    assert.deepEqual([...dirs].sort(semver.compare), versions);
  });

  it('has a CHANGELOG.md section for every version', () => {
    const changelog = readFileSync(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');
    for (const version of versions)
      assert.match(changelog, new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\]`, 'm'), version);
  });
});
