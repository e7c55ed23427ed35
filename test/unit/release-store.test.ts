// A release record that cannot be read is never taken for a good one (issue 17, item 6): a bad
// gzip, bad JSON or a JSON null still gives the revision, version and status from the Secret's
// labels, says why it cannot be read, and crashes nothing.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { V1Secret } from '@kubernetes/client-node';
import { RELEASE_SECRET_TYPE } from '../../src/shared/names.js';
import { releasesOf } from '../../src/addon/release-store.js';

function recordSecret(revision: number, data: string | undefined): V1Secret {
  return {
    metadata: {
      name: `vkctl.release.v${revision}`,
      labels: {
        owner: 'vkctl',
        name: 'vkctl',
        version: '0.2.0',
        revision: String(revision),
        status: 'deployed',
      },
    },
    type: RELEASE_SECRET_TYPE,
    data: data === undefined ? undefined : { release: data },
  };
}

const gz = (text: string) => gzipSync(Buffer.from(text)).toString('base64');

describe('release records', () => {
  it('reads a good record, and marks unreadable ones with the reason', () => {
    const good = {
      revision: 1,
      version: '0.2.0',
      status: 'deployed',
      values: { nodeName: 'vk' },
      objects: [],
    };
    const [ok, badGzip, badJson, nullRecord, missing] = releasesOf([
      recordSecret(1, gz(JSON.stringify(good))),
      recordSecret(2, Buffer.from('not gzip').toString('base64')),
      recordSecret(3, gz('{not json')),
      recordSecret(4, gz('null')),
      recordSecret(5, undefined),
    ]);
    assert.equal(ok?.unreadable, undefined);
    assert.deepEqual(ok?.values, { nodeName: 'vk' });
    assert.match(badGzip?.unreadable ?? '', /vkctl\.release\.v2: its record cannot be read/);
    assert.match(badJson?.unreadable ?? '', /vkctl\.release\.v3: its record cannot be read/);
    assert.match(nullRecord?.unreadable ?? '', /vkctl\.release\.v4: its record is not a JSON object/);
    assert.match(missing?.unreadable ?? '', /vkctl\.release\.v5: it holds no record/);
    for (const record of [badGzip, badJson, nullRecord, missing]) {
      assert.equal(record?.status, 'deployed', 'the labels still say what it was');
      assert.deepEqual(record?.values, {});
      assert.deepEqual(record?.objects, []);
    }
  });
});
