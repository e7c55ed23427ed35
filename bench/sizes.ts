/** Burst sizes of the side-by-side runs: 100, 1,000 and 5,000 pods, or BENCH_SIZES (e.g. "100,1000"). */
export function sideBySideSizes(given = process.env.BENCH_SIZES): number[] {
  if (!given) return [100, 1000, 5000];
  const sizes = given.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`BENCH_SIZES must be positive whole numbers separated by commas, not "${given}"`);
  return sizes;
}
