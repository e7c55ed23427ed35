// vkctl's own install beside Huawei's managed add-on installed in the console: refused when CCE has
// the instance, allowed when CCE has none or does not know the cluster, and allowed with a warning
// when CCE cannot be asked (skipping the checks is the user's choice to go on without it).
import assert from 'node:assert/strict';
import { refuseManagedAddon } from '../../src/addon/managed/absent.js';
import type { AddonInstance, CceAddonApi } from '../../src/cloud/cce-addons.js';
import { CloudApiError, CloudUnreachableError } from '../../src/cloud/http.js';
import type { CloudSession } from '../../src/cloud/session.js';
import { StateError } from '../../src/errors.js';

/** A session whose CCE answers find() with `answer` (thrown when an Error). */
function session(answer: AddonInstance | undefined | Error): () => CloudSession {
  const find = (): Promise<AddonInstance | undefined> =>
    answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  const addon = { find } as Pick<CceAddonApi, 'find'> as CceAddonApi;
  return () => ({ clusterId: 'c-1', cce: () => Promise.resolve({ addon }) }) as unknown as CloudSession;
}

const inConsole: AddonInstance = {
  metadata: { uid: 'a-1', name: 'virtual-kubelet' },
  spec: { clusterID: 'c-1', version: '1.5.82', addonTemplateName: 'virtual-kubelet' },
  status: { status: 'running' },
};

describe('own install beside the managed add-on', () => {
  it('is refused when CCE has the add-on in the cluster', async () => {
    await assert.rejects(
      refuseManagedAddon(session(inConsole)),
      (error: unknown) =>
        error instanceof StateError &&
        /^Huawei's virtual-kubelet add-on 1\.5\.82 is installed in this cluster \(CCE instance a-1, running\)/.test(
          error.message,
        ),
    );
  });

  it('goes on when CCE has none, or does not know the cluster', async () => {
    assert.deepEqual(await refuseManagedAddon(session(undefined)), []);
    const missing = new CloudApiError('cce', 404, 'CCE.03404001', 'cluster not found');
    assert.deepEqual(await refuseManagedAddon(session(missing)), []);
  });

  it('goes on with a warning when CCE cannot be asked', async () => {
    const down = new CloudUnreachableError('cce', 'cce.example: connection refused');
    const [warning, ...more] = await refuseManagedAddon(session(down));
    assert.equal(more.length, 0);
    assert.match(
      warning ?? '',
      /^could not ask CCE whether Huawei's virtual-kubelet add-on is installed: .*refused/,
    );
    const settings = () => {
      throw new Error('missing Huawei Cloud settings: region');
    };
    assert.match((await refuseManagedAddon(settings))[0] ?? '', /missing Huawei Cloud settings/);
  });
});
