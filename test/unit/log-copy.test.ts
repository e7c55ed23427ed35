// A container's log reaches the kubelet API's reader at the reader's pace (src/provider/kubelet/
// log-copy.ts): nothing more is read from CCI while the answer is full, and a reader who leaves ends
// the copy and lets go of CCI's stream.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { copyLog } from '../../src/provider/kubelet/log-copy.js';

const CHUNK = 1024;

/** CCI's log: `total` chunks, counting how many were read and whether the stream was let go of. */
function cciLog(total: number) {
  const state = { read: 0, closed: false };
  const log = (async function* () {
    try {
      for (let i = 0; i < total; i++) {
        await tick(); // a network stream's chunks come later, not at once
        state.read++;
        yield Buffer.alloc(CHUNK, i);
      }
    } finally {
      state.closed = true;
    }
  })();
  return { log, state };
}

/** An answer whose buffer holds one chunk, and a reader who takes a chunk only when told to. */
function slowReader() {
  const waiting: (() => void)[] = [];
  const received: Buffer[] = [];
  const out = new Writable({
    highWaterMark: CHUNK,
    write(chunk: Buffer, _encoding, taken) {
      received.push(chunk);
      waiting.push(taken);
    },
  });
  return { out, received, takeOne: () => waiting.shift()?.() };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await tick();
};

describe('container logs copied at the reader’s pace', () => {
  it('reads no more from CCI while the reader has not taken what was sent', async () => {
    const { log, state } = cciLog(50);
    const reader = slowReader();
    const copying = copyLog(log, reader.out, new AbortController().signal);
    await settle();
    assert.equal(state.read, 1, 'one chunk fills the answer: nothing more is read');
    for (let taken = 1; taken <= 3; taken++) {
      reader.takeOne();
      await settle();
      assert.equal(state.read, taken + 1, 'one more chunk read for each one taken');
    }
    let done = false;
    void copying.then(() => (done = true));
    while (!done) {
      reader.takeOne();
      await settle();
    }
    assert.equal(reader.received.length, 50);
    assert.deepEqual(
      reader.received.map((chunk) => chunk[0]),
      Array.from({ length: 50 }, (_, i) => i),
      'every chunk, in order',
    );
  });

  it('ends, and lets go of CCI’s stream, when the reader leaves while the answer is full', async () => {
    const { log, state } = cciLog(50);
    const reader = slowReader();
    const gone = new AbortController();
    const copying = copyLog(log, reader.out, gone.signal);
    await settle();
    gone.abort();
    await copying; // resolves: a reader leaving is no error
    assert.equal(state.read, 1);
    assert.equal(state.closed, true, 'CCI’s stream is closed, not left open');
  });
});
