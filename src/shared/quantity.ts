// Kubernetes resource quantities ("250m", "1.5Gi", "2e3", "0.25") as exact fractions, so that rule
// boundaries (a multiple of 0.25 core, a whole GiB) are decided without floating-point error.
// client-node's quantityToScalar cannot read "1.5Gi" or exponents, hence this small parser, which
// follows the quantity grammar of k8s.io/apimachinery/pkg/api/resource.

/** numerator / denominator, denominator > 0, in base units (cores, bytes). */
export interface Quantity {
  num: bigint;
  den: bigint;
}

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXPONENT: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const GRAMMAR = /^([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|([numkMGTPE]?))$/;

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

function reduce(num: bigint, den: bigint): Quantity {
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

/** Parses a quantity; undefined when it is not one. Numbers are taken as they are (JSON `cpu: 2`). */
export function parseQuantity(value: string | number | undefined): Quantity | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = GRAMMAR.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction = '', binary, exponent, decimal] = m;
  if (whole === '' && fraction === '') return undefined;
  let num = BigInt(`${whole}${fraction}` || '0');
  let den = 10n ** BigInt(fraction.length);
  if (sign === '-') num = -num;
  if (binary) num *= BINARY[binary] ?? 1n;
  const power = exponent !== undefined ? Number(exponent) : (DECIMAL_EXPONENT[decimal ?? ''] ?? 0);
  if (Math.abs(power) > 30) return undefined;
  if (power >= 0) num *= 10n ** BigInt(power);
  else den *= 10n ** BigInt(-power);
  return reduce(num, den);
}

export const ZERO: Quantity = { num: 0n, den: 1n };

export function add(a: Quantity, b: Quantity): Quantity {
  return reduce(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function compare(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

export function max(a: Quantity, b: Quantity): Quantity {
  return compare(a, b) >= 0 ? a : b;
}

/** a / b as a quantity; b must not be zero. */
export function divide(a: Quantity, b: Quantity): Quantity {
  const num = a.num * b.den;
  const den = a.den * b.num;
  return den < 0n ? reduce(-num, -den) : reduce(num, den);
}

/** True when a is a whole multiple of step. */
export function isMultipleOf(a: Quantity, step: Quantity): boolean {
  return divide(a, step).den === 1n;
}

export function quantity(num: bigint | number, den: bigint | number = 1n): Quantity {
  return reduce(BigInt(num), BigInt(den));
}

/** For messages: a short decimal rendering (up to 3 decimals). */
export function formatQuantity(q: Quantity): string {
  const value = Number(q.num) / Number(q.den);
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}
