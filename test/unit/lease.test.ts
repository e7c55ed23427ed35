import assert from 'node:assert/strict';
import { microTime } from '../../src/kube/lease.js';

describe('microTime', () => {
  it('writes six fractional digits, as the apiserver parses MicroTime', () => {
    assert.equal(microTime(new Date('2026-11-27T05:43:20.123Z')), '2026-11-27T05:43:20.123000Z');
    assert.equal(microTime(new Date('2026-11-27T05:43:20Z')), '2026-11-27T05:43:20.000000Z');
  });
});
