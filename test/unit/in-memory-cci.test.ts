// The in-memory CCI (test/support/in-memory-cci.ts) must behave as the runtime expects of CCI:
// a created pod is Running, a second create of a name is 409, and a watch from a list's
// resourceVersion misses nothing that happened after it.
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { InMemoryCci } from '../support/in-memory-cci.js';
import { CloudApiError } from '../../src/cloud/http.js';

const pod = (name: string): V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'web', image: 'nginx' }] },
});

type Watch = ReturnType<InMemoryCci['watchPods']>;

/** The watch's next event, as [type, pod name]. */
async function nextEvent(watch: Watch | ReturnType<Watch['next']>): Promise<[string, string | undefined]> {
  const result = await ('next' in watch ? watch.next() : watch);
  if (result.done) throw new Error('the watch ended');
  return [result.value.type, result.value.object.metadata?.name];
}

describe('in-memory CCI', () => {
  it('creates pods Running and ready, and refuses a second pod of the same name with 409', async () => {
    const cci = new InMemoryCci();
    const created = await cci.createPod('ns', pod('a'));
    assert.equal(created.status?.phase, 'Running');
    assert.equal(created.status?.containerStatuses?.[0]?.ready, true);
    assert.ok(created.status?.podIP);
    await assert.rejects(
      cci.createPod('ns', pod('a')),
      (error: unknown) => error instanceof CloudApiError && error.status === 409,
    );
  });

  it('replays to a watch what happened after the listed resourceVersion, then follows live', async () => {
    const cci = new InMemoryCci();
    await cci.createPod('ns', pod('before'));
    const list = await cci.listPods('ns');
    assert.deepEqual(
      list.items.map((p) => p.metadata?.name),
      ['before'],
    );
    await cci.createPod('ns', pod('between'));
    await cci.createPod('other', pod('elsewhere'));
    const abort = new AbortController();
    const events = cci.watchPods('ns', list.metadata?.resourceVersion ?? '', abort.signal);
    assert.deepEqual(await nextEvent(events), ['ADDED', 'between']);
    const next = events.next(); // waits: nothing more has happened yet
    await cci.deletePod('ns', 'before');
    assert.deepEqual(await nextEvent(next), ['DELETED', 'before']);
    abort.abort();
    assert.equal((await events.next()).done, true);
  });

  it('answers a watch from a resourceVersion it no longer holds with ERROR (list again)', async () => {
    const cci = new InMemoryCci();
    for (let i = 0; i < 40_001; i++) {
      await cci.createPod('ns', pod(`p${i}`));
      if (i % 2 === 1) await cci.deletePod('ns', `p${i}`);
    }
    const events = cci.watchPods('ns', '1', new AbortController().signal);
    assert.equal((await nextEvent(events))[0], 'ERROR');
  });
});
