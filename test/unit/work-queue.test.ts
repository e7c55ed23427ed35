import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/provider/work-queue.js';

describe('WorkQueue', () => {
  it('handles a key once however often it is added while waiting', async () => {
    const handled: string[] = [];
    const queue = new WorkQueue((key) => Promise.resolve(void handled.push(key)), {
      concurrency: 1,
      onError: () => undefined,
    });
    queue.start();
    queue.add('b'); // takes the only worker, so 'a' waits
    for (let i = 0; i < 5; i++) queue.add('a');
    await queue.idle();
    assert.deepEqual(handled.sort(), ['a', 'b']);
  });

  it('never runs one key twice at once, and runs it again when added while running', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const queue: WorkQueue = new WorkQueue(
      async () => {
        running += 1;
        most = Math.max(most, running);
        runs += 1;
        if (runs === 1) queue.add('k'); // changed while being handled
        await new Promise((resolve) => setTimeout(resolve, 10));
        running -= 1;
      },
      { concurrency: 4, onError: () => undefined },
    );
    queue.start();
    queue.add('k');
    await queue.idle();
    assert.equal(most, 1);
    assert.equal(runs, 2);
  });

  it('reports how long each key waited before it was taken', async () => {
    const waits: number[] = [];
    const queue = new WorkQueue(() => new Promise((resolve) => setTimeout(resolve, 30)), {
      concurrency: 1,
      onError: () => undefined,
      onTaken: (waitedMs) => waits.push(waitedMs),
    });
    queue.add('first'); // waits until start()
    await new Promise((resolve) => setTimeout(resolve, 20));
    queue.start(); // 'first' taken now; 'second' waits for the one worker
    queue.add('second');
    await queue.idle();
    assert.equal(waits.length, 2);
    assert.ok((waits[0] ?? 0) >= 15, `'first' waited for start(): ${waits[0]} ms`);
    assert.ok((waits[1] ?? 0) >= 25, `'second' waited for the worker: ${waits[1]} ms`);
  });

  it('retries a failing key with growing backoff until it succeeds', async () => {
    const delays: number[] = [];
    let attempts = 0;
    const queue = new WorkQueue(
      () => {
        attempts += 1;
        return attempts < 4 ? Promise.reject(new Error('503')) : Promise.resolve();
      },
      {
        concurrency: 1,
        minBackoffMs: 5,
        maxBackoffMs: 12,
        onError: (_key, _error, delay) => delays.push(delay),
      },
    );
    queue.start();
    queue.add('k');
    await queue.idle();
    assert.equal(attempts, 4);
    assert.deepEqual(delays, [5, 10, 12], 'doubling, capped');
  });

  it('keeps at most `concurrency` handlers running', async () => {
    let running = 0;
    let most = 0;
    const queue = new WorkQueue(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
      },
      { concurrency: 3, onError: () => undefined },
    );
    for (let i = 0; i < 20; i++) queue.add(`k${i}`);
    assert.equal(queue.depth, 20);
    assert.equal(most, 0, 'nothing runs before start()');
    queue.start();
    await queue.idle();
    assert.equal(most, 3);
    assert.equal(queue.depth, 0);
  });
});
