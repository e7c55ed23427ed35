// Percentiles of a sample, rounded to milliseconds (nearest-rank, as most load tools report them).
export interface Series {
  runs: number;
  minMs: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarize(samples: number[]): Series {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return {
    runs: sorted.length,
    minMs: Math.round(sorted[0] ?? NaN),
    medianMs: Math.round(at(0.5)),
    p90Ms: Math.round(at(0.9)),
    p99Ms: Math.round(at(0.99)),
    maxMs: Math.round(sorted[sorted.length - 1] ?? NaN),
  };
}
