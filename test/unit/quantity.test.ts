import assert from 'node:assert/strict';
import { compare, isMultipleOf, parseQuantity, quantity } from '../../src/shared/quantity.js';

describe('Kubernetes quantities', () => {
  const cases: [string, bigint, bigint][] = [
    ['250m', 1n, 4n],
    ['1.5Gi', 3n << 29n, 1n],
    ['0.2Gi', 1n << 30n, 5n],
    ['2e3', 2000n, 1n],
    ['1E-3', 1n, 1000n],
    ['2G', 2_000_000_000n, 1n],
    ['2E', 2_000_000_000_000_000_000n, 1n],
    ['100n', 1n, 10_000_000n],
    ['.5', 1n, 2n],
    ['3', 3n, 1n],
  ];
  for (const [text, num, den] of cases) {
    it(`reads ${text} exactly`, () => assert.deepEqual(parseQuantity(text), { num, den }));
  }

  it('refuses what is not a quantity', () => {
    for (const bad of ['', 'abc', '1.2.3', '1Xi', 'Gi', '1 Gi', '--1'])
      assert.equal(parseQuantity(bad), undefined, bad);
  });

  it('compares across units and decides multiples exactly', () => {
    assert.equal(compare(parseQuantity('2Gi')!, parseQuantity('2048Mi')!), 0);
    assert.equal(compare(parseQuantity('1000m')!, parseQuantity('1')!), 0);
    assert.ok(isMultipleOf(parseQuantity('0.75')!, quantity(1, 4)));
    assert.ok(!isMultipleOf(parseQuantity('250001u')!, quantity(1, 4)));
  });
});
