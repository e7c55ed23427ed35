// The bench's reading of the runtime's queue-wait histogram (bench/queue-wait.ts): the text the
// runtime serves, parsed, and two readings taken apart into one burst's waits.
import assert from 'node:assert/strict';
import { parseQueueWait, queueWaitBetween } from '../../bench/queue-wait.js';
import { ProviderMetrics } from '../../src/provider/metrics.js';

async function reading(waitsSeconds: number[]) {
  const metrics = new ProviderMetrics();
  for (const seconds of waitsSeconds) metrics.queueWait.observe(seconds);
  return parseQueueWait(await metrics.text());
}

describe('the bench’s queue-wait figures', () => {
  it('reads the runtime’s own /metrics text, the +Inf bucket included', async () => {
    const histogram = await reading([0.002, 0.3, 500]);
    assert.equal(histogram.count, 3);
    assert.equal(histogram.sum, 500.302);
    assert.equal(histogram.buckets.get(0.005), 1);
    assert.equal(histogram.buckets.get(0.5), 2);
    assert.equal(histogram.buckets.get(Infinity), 3);
  });

  it('gives the waits between two readings: their mean and the bucket their p99 is within', async () => {
    const before = await reading([100, 100]); // an earlier burst's, left out
    const after = await reading([100, 100, ...Array<number>(99).fill(0.02), 0.7]);
    assert.deepEqual(queueWaitBetween(before, after), {
      taken: 100,
      meanMs: 27, // (99 × 0.02 + 0.7) s ÷ 100
      p99AtMostS: 0.025,
      lastBoundS: 120,
    });
    const slow = await reading([...Array<number>(100).fill(200)]);
    assert.equal(queueWaitBetween(await reading([]), slow)?.p99AtMostS, null, 'past the last bucket');
    assert.equal(queueWaitBetween(after, after), undefined, 'nothing taken in between');
  });
});
