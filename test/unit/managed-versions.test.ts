// Which versions of the managed add-on a cluster is offered (its template's supportVersions, as
// regular expressions over the whole cluster version, newest first) and which one install and
// upgrade choose: the newest by default, the one asked for, or a usage error that lists the offer.
import assert from 'node:assert/strict';
import { chooseVersion, type ManagedCluster } from '../../src/addon/managed/cluster.js';
import { compareAddonVersions, versionsFor } from '../../src/cloud/cce-addon-versions.js';
import type { AddonTemplate, AddonTemplateVersion, CceAddonApi } from '../../src/cloud/cce-addons.js';
import type { CceCluster } from '../../src/cloud/cce.js';
import { ConfigError } from '../../src/errors.js';

const vm = (...clusterVersion: string[]) => [{ clusterType: 'VirtualMachine', clusterVersion }];

function template(versions: AddonTemplateVersion[]): AddonTemplate {
  return { metadata: { name: 'virtual-kubelet' }, spec: { versions } };
}

describe('managed add-on versions', () => {
  const tpl = template([
    { version: '1.5.9', supportVersions: vm('v1.2[1-9].*') },
    { version: '1.5.82', supportVersions: vm('v1.2[5-9].*', 'v1.3[0-4].*') },
    { version: '1.5.75', supportVersions: vm('v1.3[0-3].*') },
    { version: '1.5.100', supportVersions: [{ clusterType: 'ARM64', clusterVersion: ['v1.3.*'] }] },
  ]);

  it('offers the versions whose pattern matches the whole cluster version and type, newest first', () => {
    const offered = versionsFor(tpl, { type: 'VirtualMachine', version: 'v1.33.5-r0' });
    assert.deepEqual(
      offered.map((v) => v.version),
      ['1.5.82', '1.5.75'],
    );
    assert.deepEqual(
      versionsFor(tpl, { type: 'VirtualMachine', version: 'v1.25.3' }).map((v) => v.version),
      ['1.5.82', '1.5.9'],
    );
    // Anchored: "v1.3[0-3].*" does not match v1.130 nor a version with a prefix.
    assert.deepEqual(versionsFor(tpl, { type: 'VirtualMachine', version: 'xv1.31.0' }), []);
    assert.deepEqual(
      versionsFor(tpl, { type: 'ARM64', version: 'v1.31.0' }).map((v) => v.version),
      ['1.5.100'],
    );
  });

  it('keeps a version without supportVersions (the list was asked for this cluster) and skips a bad pattern', () => {
    const loose = template([{ version: '1.0.0' }, { version: '1.0.1', supportVersions: vm('v1.[') }]);
    assert.deepEqual(
      versionsFor(loose, { type: 'VirtualMachine', version: 'v1.31.0' }).map((v) => v.version),
      ['1.0.0'],
    );
  });

  it('compares versions part by part, numbers as numbers', () => {
    assert.equal(compareAddonVersions('1.5.100', '1.5.82'), 1);
    assert.equal(compareAddonVersions('1.5.82', '1.5.82'), 0);
    assert.equal(compareAddonVersions('1.5', '1.5.0'), 0);
    assert.equal(compareAddonVersions('1.4.9', '1.5.0'), -1);
  });

  describe('chooseVersion', () => {
    const cluster = { spec: { type: 'VirtualMachine', version: 'v1.33' } } as CceCluster;
    const managed: ManagedCluster = {
      api: {} as CceAddonApi,
      clusterId: 'c-1',
      cluster,
      offered: versionsFor(tpl, { type: 'VirtualMachine', version: 'v1.33' }),
    };

    it('takes the newest offered unless one is asked for', () => {
      assert.equal(chooseVersion(managed, undefined).version, '1.5.82');
      assert.equal(chooseVersion(managed, '1.5.75').version, '1.5.75');
    });

    it('refuses a version not offered for this cluster, naming what is', () => {
      assert.throws(
        () => chooseVersion(managed, '1.5.9'),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message ===
            'CCE does not offer virtual-kubelet 1.5.9 for this cluster (v1.33); offered: 1.5.82, 1.5.75',
      );
    });
  });
});
