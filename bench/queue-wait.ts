// How long the runtime's pods waited in its work queue during a burst, from its own Prometheus
// histogram (vkctl_queue_wait_seconds) read before and after: whether its workers kept up, apart
// from the time its status writes then spend in the apiserver.

/** The histogram's cumulative bucket counts (by upper bound, seconds), sum and count. */
export interface Histogram {
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

export interface QueueWait {
  /** Keys taken from the queue during the burst (a pod is taken once or more). */
  taken: number;
  /** The mean wait of one pass through the queue (a pod passes twice or more). */
  meanMs: number;
  /** The smallest bucket bound that 99 % of the waits were within (seconds); null: past the last. */
  p99AtMostS: number | null;
  /** The last bucket's bound (seconds), for a p99 past it. */
  lastBoundS: number;
}

/** The runtime's histogram now, or undefined when its /metrics does not answer (it is gone). */
export async function readQueueWait(metricsUrl: string): Promise<Histogram | undefined> {
  const answer = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  return answer?.ok ? parseQueueWait(await answer.text()) : undefined;
}

/** vkctl_queue_wait_seconds from a /metrics text (Prometheus' text format). */
export function parseQueueWait(metrics: string): Histogram {
  const histogram: Histogram = { buckets: new Map(), sum: 0, count: 0 };
  for (const line of metrics.split('\n')) {
    const bucket = /^vkctl_queue_wait_seconds_bucket\{le="([^"]+)"\} (\S+)$/.exec(line);
    // The last bucket is "+Inf", which Number() does not read.
    if (bucket) histogram.buckets.set(bucket[1] === '+Inf' ? Infinity : Number(bucket[1]), Number(bucket[2]));
    const total = /^vkctl_queue_wait_seconds_(sum|count) (\S+)$/.exec(line);
    if (total?.[1] === 'sum') histogram.sum = Number(total[2]);
    if (total?.[1] === 'count') histogram.count = Number(total[2]);
  }
  return histogram;
}

/** The waits between two readings. */
export function queueWaitBetween(before: Histogram, after: Histogram): QueueWait | undefined {
  const taken = after.count - before.count;
  if (taken <= 0) return undefined;
  const bounds = [...after.buckets.keys()].sort((a, b) => a - b);
  const within = (le: number) => (after.buckets.get(le) ?? 0) - (before.buckets.get(le) ?? 0);
  const p99 = bounds.find((le) => within(le) >= 0.99 * taken) ?? Infinity;
  return {
    taken,
    meanMs: Math.round(((after.sum - before.sum) / taken) * 1000),
    p99AtMostS: Number.isFinite(p99) ? p99 : null,
    lastBoundS: bounds.filter(Number.isFinite).pop() ?? 0,
  };
}
