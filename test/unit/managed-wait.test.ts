// Following a managed add-on instance's status (src/cloud/cce-addon-wait.ts) over a scripted CCE:
// ready at running or available (at the version asked for), failed at a *Failed status or unknown
// with CCE's reason, a passing 5xx asked again, a wait that runs out naming the last status and its
// reason (abnormal), and uninstall's wait ending at 404 or deleteFailed.
import assert from 'node:assert/strict';
import {
  AddonFailedError,
  AddonWaitTimeoutError,
  waitForAddonGone,
  waitForAddonReady,
} from '../../src/cloud/cce-addon-wait.js';
import type { AddonInstance, CceAddonApi } from '../../src/cloud/cce-addons.js';
import { CloudApiError } from '../../src/cloud/http.js';

function instance(status: string, version = '1.5.82', reason = ''): AddonInstance {
  return {
    metadata: { uid: 'a-1', name: 'virtual-kubelet' },
    spec: { clusterID: 'c-1', version, addonTemplateName: 'virtual-kubelet' },
    status: { status, Reason: reason, message: '', currentVersion: { version } },
  };
}

/** A CCE whose GET answers the script in turn (an Error is thrown), the last answer repeated. */
function scripted(...answers: (AddonInstance | Error)[]): { api: CceAddonApi; calls: () => number } {
  let calls = 0;
  const get = (): Promise<AddonInstance> => {
    const answer = answers[Math.min(calls++, answers.length - 1)];
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer!);
  };
  return { api: { get } as Pick<CceAddonApi, 'get'> as CceAddonApi, calls: () => calls };
}

const fast = { timeoutMs: 2000, intervalMs: 5 };

describe('waiting for a managed add-on instance', () => {
  it('is done at running, and at available (partially ready), as terraform waits', async () => {
    const { api, calls } = scripted(instance('installing'), instance('installing'), instance('running'));
    const seen: string[] = [];
    const ready = await waitForAddonReady(api, 'a-1', 'c-1', {
      ...fast,
      onStatus: (i) => seen.push(i.status?.status ?? ''),
    });
    assert.equal(ready.status?.status, 'running');
    assert.equal(calls(), 3);
    assert.deepEqual(seen, ['installing', 'installing', 'running']);
    const available = await waitForAddonReady(scripted(instance('available')).api, 'a-1', 'c-1', fast);
    assert.equal(available.status?.status, 'available');
  });

  it('waits for the version asked for: the old one running right after an update is not the end', async () => {
    const { api, calls } = scripted(
      instance('running', '1.5.75'),
      instance('upgrading', '1.5.75'),
      instance('running'),
    );
    const ready = await waitForAddonReady(api, 'a-1', 'c-1', { ...fast, version: '1.5.82' });
    assert.equal(ready.status?.currentVersion?.version, '1.5.82');
    assert.equal(calls(), 3);
  });

  it('fails at a *Failed status or unknown, with CCE’s Reason', async () => {
    for (const status of ['installFailed', 'upgradeFailed', 'rollbackFailed', 'unknown'])
      await assert.rejects(
        waitForAddonReady(scripted(instance(status, '1.5.82', 'ImagePullBackOff')).api, 'a-1', 'c-1', fast),
        (error: unknown) =>
          error instanceof AddonFailedError &&
          error.message === `add-on virtual-kubelet 1.5.82 is ${status}: ImagePullBackOff`,
      );
  });

  it('asks again after a passing 5xx, but not after a 403', async () => {
    const busy = new CloudApiError('cce', 503, undefined, 'busy');
    const { api } = scripted(busy, instance('running'));
    assert.equal((await waitForAddonReady(api, 'a-1', 'c-1', fast)).status?.status, 'running');
    const denied = new CloudApiError('cce', 403, 'CCE.01403001', 'denied');
    await assert.rejects(waitForAddonReady(scripted(denied).api, 'a-1', 'c-1', fast), /denied/);
  });

  it('runs out on abnormal, naming the status and CCE’s reason', async () => {
    await assert.rejects(
      waitForAddonReady(scripted(instance('abnormal', '1.5.82', 'PodsNotReady')).api, 'a-1', 'c-1', {
        timeoutMs: 50,
        intervalMs: 10,
      }),
      (error: unknown) =>
        error instanceof AddonWaitTimeoutError &&
        /not done after 0 s \(status abnormal: PodsNotReady\)$/.test(error.message),
    );
  });

  it('uninstall’s wait ends when CCE answers 404, and fails at deleteFailed', async () => {
    const gone = new CloudApiError('cce', 404, 'CCE.03404001', 'not found');
    await waitForAddonGone(scripted(instance('deleting'), gone).api, 'a-1', 'c-1', fast);
    await assert.rejects(
      waitForAddonGone(scripted(instance('deleteFailed', '1.5.82', 'finalizer')).api, 'a-1', 'c-1', fast),
      /is deleteFailed: finalizer/,
    );
  });
});
