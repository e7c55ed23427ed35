// The command layer spells an error's option advice as the running command's flags (errors.ts,
// command-errors.ts), and leaves out what that command cannot take.
import assert from 'node:assert/strict';
import { adviseResults, flagSpeller, withAdvice } from '../../src/command-errors.js';
import type { CheckResult } from '../../src/checks/check.js';

describe('option advice, spelled by the command', () => {
  const install = flagSpeller(['cluster-id', 'region', 'skip-checks', 'set', 'timeout']);
  const runtime = flagSpeller(['kubeconfig', 'log-level']);

  it('names the flag whose value was wrong, in kebab case', () => {
    assert.equal(
      withAdvice('invalid duration "x"', { option: 'timeout' }, install),
      '--timeout: invalid duration "x"',
    );
    assert.equal(flagSpeller(['kubelet-cert-renew-at'])('kubeletCertRenewAt'), '--kubelet-cert-renew-at');
  });

  it('offers flags and variables for missing inputs, only the flags this command has', () => {
    const advice = {
      missing: [
        { option: 'clusterId', env: 'VKCTL_CLUSTER_ID' },
        { option: 'region', env: 'HUAWEICLOUD_SDK_REGION' },
      ],
    };
    assert.equal(
      withAdvice('missing: cluster ID, region', advice, install),
      'missing: cluster ID, region; give --cluster-id or VKCTL_CLUSTER_ID, --region or HUAWEICLOUD_SDK_REGION',
    );
    assert.equal(
      withAdvice('missing: cluster ID, region', advice, runtime),
      'missing: cluster ID, region; give VKCTL_CLUSTER_ID, HUAWEICLOUD_SDK_REGION',
    );
  });

  it('offers an override only where the command has it', () => {
    const advice = { override: { option: 'skipChecks', effect: 'to go on anyway' } };
    assert.equal(
      withAdvice('checks failed', advice, install),
      'checks failed; pass --skip-checks to go on anyway',
    );
    assert.equal(withAdvice('checks failed', advice, runtime), 'checks failed');
    assert.equal(withAdvice('plain', undefined, install), 'plain');
  });

  it('spells the advice of check results and drops it from what is shown', () => {
    const result: CheckResult = {
      id: 'cloud-config',
      category: 'huawei-cloud',
      description: 'settings',
      status: 'fail',
      message: 'missing: region',
      advice: { missing: [{ option: 'region', env: 'HUAWEICLOUD_SDK_REGION' }] },
    };
    const [shown] = adviseResults([result], install);
    assert.equal(shown?.message, 'missing: region; give --region or HUAWEICLOUD_SDK_REGION');
    assert.equal(shown && 'advice' in shown, false);
  });
});
