// The managed add-on's values (issue 21): the template's defaults, facts only on keys the template
// has, the interconnect switch in the template's own type (or refused when there is none), the
// instance's current values kept on upgrade, --set in the type of the key it sets, secrets redacted
// (a changed secret is still a change).
import assert from 'node:assert/strict';
import type { AddonTemplateVersion } from '../../src/cloud/cce-addons.js';
import { managedValues, redactedValues, type ClusterFacts } from '../../src/addon/managed/values.js';
import { redactedChanges, valueChanges } from '../../src/addon/managed/value-changes.js';
import { valueChangesText } from '../../src/addon/managed/present.js';
import { UsageError } from '../../src/errors.js';

const facts: ClusterFacts = {
  cluster_id: 'c-1',
  cluster_name: 'prod',
  vpc_id: 'vpc-1',
  network_id: 'net-1',
  project_id: 'p-1',
  region: 'cn-north-4',
  subnet_id: 'neutron-1',
};

function version(custom: Record<string, unknown> | undefined): AddonTemplateVersion {
  return {
    version: '1.5.82',
    input: {
      basic: { cluster_id: '', project_id: '', swr_user: 'hwofficial' },
      parameters: {
        ...(custom ? { custom } : {}),
        flavor2: { name: 'HA', replicas: 2 },
        flavor1: { name: 'Single-instance', replicas: 1 },
      },
    },
  };
}

describe('managed add-on values', () => {
  it('start from the template, set facts only where it has the key, and take its first flavor', () => {
    const values = managedValues({
      version: version({ isInstallProxy: 'false', subnet_id: '' }),
      facts,
      inputs: {},
    });
    assert.deepEqual(values.basic, { cluster_id: 'c-1', project_id: 'p-1', swr_user: 'hwofficial' });
    assert.deepEqual(values.custom, { isInstallProxy: 'false', subnet_id: 'neutron-1' });
    assert.deepEqual(values.flavor, { name: 'Single-instance', replicas: 1 });
  });

  it('set the interconnect switch in the template’s type, and refuse it where there is none', () => {
    const asString = managedValues({
      version: version({ isInstallProxy: 'false' }),
      facts,
      inputs: { interconnect: true },
    });
    assert.equal(asString.custom?.isInstallProxy, 'true');
    const asBoolean = managedValues({
      version: version({ isInstallProxy: false }),
      facts,
      inputs: { interconnect: true },
    });
    assert.equal(asBoolean.custom?.isInstallProxy, true);
    assert.throws(
      () => managedValues({ version: version(undefined), facts, inputs: { interconnect: true } }),
      (e: Error) => e instanceof UsageError && /1\.5\.82 has no interconnect switch/.test(e.message),
    );
  });

  it('keep the instance’s values over the new version’s defaults, and --set in each key’s own type', () => {
    const values = managedValues({
      version: version({ isInstallProxy: 'false', subnet_id: '' }),
      facts,
      current: { custom: { isInstallProxy: 'true', extra: 'kept' }, flavor: { name: 'HA', replicas: 2 } },
      inputs: { sets: ['flavor.replicas=3', 'custom.subnet_id=123', 'custom.newKey=true'] },
    });
    assert.equal(values.custom?.isInstallProxy, 'true');
    assert.equal(values.custom?.extra, 'kept');
    assert.equal(values.custom?.subnet_id, '123', 'a string key stays a string');
    assert.equal(values.custom?.newKey, 'true', 'a key the template lacks is taken as written');
    assert.equal(values.flavor?.replicas, 3, 'a number key stays a number');
    assert.throws(
      () => managedValues({ version: version({}), facts, inputs: { sets: ['flavor.replicas=many'] } }),
      /value "flavor.replicas" must be a number, not "many"/,
    );
  });

  it('redact what looks secret, and list changes by path', () => {
    const shown = redactedValues({ custom: { password: 'x', token: 'y', name: 'n' } });
    assert.deepEqual(shown.custom, { password: '<redacted>', token: '<redacted>', name: 'n' });
    assert.deepEqual(valueChanges({ custom: { a: 1, b: 2 } }, { custom: { a: 1, b: 3, c: 4 } }), [
      { path: 'custom.b', from: 2, to: 3 },
      { path: 'custom.c', to: 4 },
    ]);
  });

  it('find a changed secret on the real values, and show it changed without its values', () => {
    const before = { custom: { password: 'old-secret', credentials: { ak: 'a1' }, name: 'n' } };
    const after = { custom: { password: 'new-secret', credentials: { ak: 'a2' }, name: 'm' } };
    const changes = redactedChanges(valueChanges(before, after));
    assert.deepEqual(changes, [
      { path: 'custom.credentials.ak', secret: true },
      { path: 'custom.name', from: 'n', to: 'm' },
      { path: 'custom.password', secret: true },
    ]);
    const text = valueChangesText(changes);
    assert.equal(
      text,
      '~ custom.credentials.ak: (redacted) changed\n~ custom.name: "n" → "m"\n~ custom.password: (redacted) changed',
    );
    assert.ok(!/old-secret|new-secret|a1|a2/.test(JSON.stringify(changes) + text));
  });
});
