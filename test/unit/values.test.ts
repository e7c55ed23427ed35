// Values merge like helm's (defaults < --values files < --set < flags), and a typo or a value of
// the wrong type is a usage error rather than something silently ignored.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { cliVersion } from '../../src/shared/catalog.js';
import { renderManifests } from '../../src/addon/render.js';
import { BURST_LABEL, BURST_POLICIES } from '../../src/shared/burst-label.js';
import { imageOf, parseSet, resolveValues } from '../../src/addon/values.js';
import { UsageError } from '../../src/errors.js';

describe('add-on values', () => {
  it('reads --set like helm: dotted keys, booleans and whole numbers', () => {
    assert.deepEqual(parseSet('resources.cpu=500m'), { resources: { cpu: '500m' } });
    assert.deepEqual(parseSet('interconnect=true'), { interconnect: true });
    assert.deepEqual(parseSet('replicas=2'), { replicas: 2 });
    assert.throws(() => parseSet('replicas'), UsageError);
    assert.throws(() => parseSet('a b=1'), UsageError);
  });

  it('applies files, then --set, then flags', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-values-'));
    const file = path.join(dir, 'values.yaml');
    writeFileSync(file, 'replicas: 3\nresources:\n  cpu: 500m\nregion: from-file\n');
    const values = resolveValues(cliVersion(), {
      files: [file],
      sets: ['replicas=2'],
      flags: { region: 'from-flag' },
    });
    assert.equal(values.replicas, 2);
    assert.deepEqual(values.resources, { cpu: '500m', memory: '512Mi' });
    assert.equal(values.region, 'from-flag');
    assert.equal(
      resolveValues(cliVersion(), { sets: ['resources.cpu=2'] }).resources.cpu,
      '2',
      'a number for a string value',
    );
  });

  it('refuses a node name that is not a DNS subdomain and a digest that is not sha256', () => {
    for (const name of ['a"b\'c', 'Upper', 'x_y', '-lead'])
      assert.throws(
        () => resolveValues(cliVersion(), { sets: [`nodeName=${name}`] }),
        /nodeName must be a DNS subdomain/,
      );
    assert.throws(
      () => resolveValues(cliVersion(), { sets: ['image.digest=latest'] }),
      /image.digest must be sha256/,
    );
  });

  it('pins the image by digest when given, and fills a key a recorded release lacks with its default', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const values = resolveValues(cliVersion(), {
      sets: ['region=cn-north-4', `image.digest=${digest}`],
    });
    assert.equal(imageOf(values), `swr.cn-north-4.myhuaweicloud.com/vkctl/vkctl:${cliVersion()}@${digest}`);
    const recorded = { ...values, image: { registry: '', repository: 'vkctl/vkctl', tag: '0.1.0' } };
    delete (recorded as { clusterDomain?: string }).clusterDomain;
    const upgraded = resolveValues(cliVersion(), { sets: ['image.digest='] }, recorded as typeof values);
    assert.equal(upgraded.clusterDomain, 'cluster.local');
    assert.equal(upgraded.image.digest, '');
    assert.equal(upgraded.image.tag, '0.1.0');
  });

  it('refuses unknown keys, wrong types and out-of-range replicas', () => {
    assert.throws(() => resolveValues(cliVersion(), { sets: ['replica=2'] }), /unknown value "replica"/);
    assert.throws(() => resolveValues(cliVersion(), { sets: ['interconnect=yes'] }), /must be a boolean/);
    assert.throws(
      () => resolveValues(cliVersion(), { sets: ['replicas=9'] }),
      /replicas must be a whole number from 1 to 5/,
    );
  });

  it('renders valid objects with every placeholder filled, values quoted', () => {
    const values = resolveValues(cliVersion(), {
      flags: { region: 'cn-north-4', clusterId: 'c-1', interconnect: true },
    });
    const objects = renderManifests({
      version: cliVersion(),
      namespace: 'kube-system',
      values,
      credentials: { accessKey: 'AK', secretKey: 'S: "K"\n#' },
      webhook: { caCert: 'ca', caKey: 'k', cert: 'c', key: 'k' },
    });
    const text = JSON.stringify(objects);
    assert.ok(!text.includes('{{'), 'no placeholder is left');
    assert.equal(objects.at(-1)?.kind, 'MutatingWebhookConfiguration', 'the webhook is applied last');
    const secret = objects.find((o) => o.metadata?.name === 'vkctl-cci-credentials') as {
      stringData?: Record<string, string>;
    };
    assert.equal(
      secret.stringData?.secretKey,
      'S: "K"\n#',
      'a value with YAML syntax in it stays one string',
    );
    // The webhook is called only for pods whose burst label asks for something: exactly the
    // policies that act, so that a hung runtime slows no one else's pods.
    const webhook = objects.find(
      (o) => o.kind === 'MutatingWebhookConfiguration',
    ) as V1MutatingWebhookConfiguration;
    const selector = webhook.webhooks?.[0]?.objectSelector?.matchExpressions?.[0];
    assert.equal(selector?.key, BURST_LABEL);
    assert.equal(selector?.operator, 'In');
    assert.deepEqual([...(selector?.values ?? [])].sort(), BURST_POLICIES.filter((p) => p !== 'off').sort());
    const deployment = objects.find((o) => o.kind === 'Deployment') as {
      spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
    };
    assert.equal(deployment.spec?.replicas, 1);
    assert.equal(
      deployment.spec?.template?.spec?.containers?.[0]?.image,
      `swr.cn-north-4.myhuaweicloud.com/vkctl/vkctl:${cliVersion()}`,
    );
  });
});
