// SPDY/3 header blocks: the layout, and the compression both ways (what the apiserver's Go client
// sends is a zlib stream with the SPDY dictionary; what we send must inflate as one stream too).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import {
  decodeHeaderBlock,
  encodeHeaderBlock,
  HeaderDeflater,
  HeaderInflater,
} from '../../src/provider/kubelet/spdy.js';

const dictionary = (
  createRequire(import.meta.url)('spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js') as Record<
    string,
    Buffer
  >
)['3'];

describe('SPDY/3 header blocks', () => {
  it('round-trips names and values, names lower-cased', () => {
    const block = encodeHeaderBlock({ StreamType: 'stdout', port: '8080' });
    assert.deepEqual(decodeHeaderBlock(block), { streamtype: 'stdout', port: '8080' });
    assert.equal(block.readUInt32BE(0), 2);
  });

  it('reads several blocks of one sync-flushed zlib stream with the SPDY dictionary', () => {
    const deflate = zlib.createDeflate({ dictionary });
    const blocks = [{ streamtype: 'error' }, { streamtype: 'stdin' }, { streamtype: 'resize' }];
    const chunks: Buffer[] = [];
    deflate.on('data', (c: Buffer) => chunks.push(c));
    const compressed: Buffer[] = [];
    return blocks
      .reduce(
        (done, headers) =>
          done.then(
            () =>
              new Promise<void>((resolve) => {
                deflate.write(encodeHeaderBlock(headers));
                deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
                  compressed.push(Buffer.concat(chunks.splice(0)));
                  resolve();
                });
              }),
          ),
        Promise.resolve(),
      )
      .then(() => {
        const inflater = new HeaderInflater();
        assert.deepEqual(
          compressed.map((c) => decodeHeaderBlock(inflater.inflate(c))),
          blocks,
        );
      });
  });

  it('writes blocks that a zlib inflater reads back one by one, each complete at its flush', () => {
    const deflater = new HeaderDeflater();
    const first = deflater.deflate(encodeHeaderBlock({ a: '1' }));
    const second = deflater.deflate(encodeHeaderBlock({}));
    const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
    const one = zlib.inflateSync(first, options);
    assert.deepEqual(decodeHeaderBlock(one), { a: '1' });
    const both = zlib.inflateSync(Buffer.concat([first, second]), options);
    assert.deepEqual(decodeHeaderBlock(both.subarray(one.length)), {});
    assert.deepEqual([...second.subarray(-5)], [0, 0, 0, 0xff, 0xff], 'ends as a sync flush does');
  });
});
