// Huawei Cloud settings: flags beat the environment, which beats the config file; endpoints default
// to the region's public ones; bad files and URLs are configuration errors (exit 2).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCloudConfig, missingCloudSettings } from '../../src/cloud/config.js';
import { ConfigError } from '../../src/errors.js';

const dirs: string[] = [];
function configFile(content: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-config-'));
  dirs.push(dir);
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, content);
  return file;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('cloud configuration', () => {
  const file = configFile(
    'region: file-region\nclusterId: file-cluster\naccessKey: FILEAK\nsecretKey: filesk\nendpoints:\n  cci: http://127.0.0.1:9999\n',
  );

  it('takes flags over the environment over the config file', () => {
    const env = { HUAWEICLOUD_SDK_REGION: 'env-region', HUAWEICLOUD_SDK_AK: 'ENVAK' };
    const config = loadCloudConfig({ config: file, region: 'flag-region' }, env);
    assert.equal(config.region, 'flag-region');
    assert.equal(config.accessKey, 'ENVAK');
    assert.equal(config.secretKey, 'filesk');
    assert.equal(config.clusterId, 'file-cluster');
    assert.deepEqual(config.sources, {
      region: 'flag',
      accessKey: 'env',
      secretKey: 'file',
      clusterId: 'file',
    });
  });

  it('derives endpoints from the region unless one is given', () => {
    const config = loadCloudConfig({ config: file }, { VKCTL_IAM_ENDPOINT: 'http://127.0.0.1:1234/' });
    assert.equal(config.endpoints.cce, 'https://cce.file-region.myhuaweicloud.com');
    assert.equal(config.endpoints.iam, 'http://127.0.0.1:1234');
    assert.equal(config.endpoints.cci, 'http://127.0.0.1:9999');
  });

  // The secret key is named by its variable only: its flag would leave it in the shell's history.
  it('names each missing setting with its option and variable, never a secret value', () => {
    const missing = missingCloudSettings(loadCloudConfig({ config: configFile('{}') }, {}));
    assert.deepEqual(
      missing.map((m) => `${m.what}: ${m.option} or ${m.env}`),
      [
        'region: region or HUAWEICLOUD_SDK_REGION',
        'access key: accessKey or HUAWEICLOUD_SDK_AK',
        'secret key: undefined or HUAWEICLOUD_SDK_SK',
        'cluster ID: clusterId or VKCTL_CLUSTER_ID',
      ],
    );
  });

  it('refuses a missing explicit file, invalid YAML and a bad endpoint URL', () => {
    assert.throws(() => loadCloudConfig({ config: '/no/such/file.yaml' }, {}), ConfigError);
    assert.throws(() => loadCloudConfig({ config: configFile('a: [') }, {}), ConfigError);
    assert.throws(
      () => loadCloudConfig({ config: file, endpoints: { iam: 'iam.example.com' } }, {}),
      ConfigError,
    );
  });
});
