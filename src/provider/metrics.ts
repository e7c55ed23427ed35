// The runtime's Prometheus metrics (prom-client), in a registry of its own so that two runtimes in
// one process (tests) do not share counters. Gauges that mirror state (pods by phase, queue depth)
// are read when scraped, from whoever owns that state.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestOutcome } from '../cloud/http.js';

export interface MetricSources {
  podsByPhase(): Map<string, number>;
  queueDepth(): number;
}

export class ProviderMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;
  private readonly cciLatency = new Histogram({
    name: 'vkctl_cci_request_duration_seconds',
    help: 'Latency of requests to Huawei Cloud (CCI, and IAM/CCE/VPC at start), by service, method and status',
    labelNames: ['service', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly cciErrors = new Counter({
    name: 'vkctl_cci_request_errors_total',
    help: 'Requests to Huawei Cloud that failed: an error status, or no answer (status "0")',
    labelNames: ['service', 'method', 'status'],
    registers: [this.registry],
  });
  readonly leaseRenewals = new Counter({
    name: 'vkctl_node_lease_renewals_total',
    help: 'Renewals of the virtual node’s Lease, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly queueWait = new Histogram({
    name: 'vkctl_queue_wait_seconds',
    help: 'How long a pod waited in the work queue before it was reconciled (as client-go’s workqueue_queue_duration_seconds)',
    // From keeping up (a few ms) to a burst of thousands waiting for a slow CCI (measured through
    // the emulator: 8-13 s on average at 5,000 pods), so that a p99 stays inside the buckets.
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly podOperations = new Counter({
    name: 'vkctl_pod_operations_total',
    help: 'What the runtime did to pods: created, deleted, failed (refused), retried',
    labelNames: ['operation'],
    registers: [this.registry],
  });

  constructor() {
    // Arrow functions keep `this` on the metrics object; prom-client calls collect() on the gauge.
    const sources = () => this.sources;
    new Gauge({
      name: 'vkctl_pods',
      help: 'Pods bound to the virtual node, by phase',
      labelNames: ['phase'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [phase, count] of sources()?.podsByPhase() ?? []) this.set({ phase }, count);
      },
    });
    new Gauge({
      name: 'vkctl_queue_depth',
      help: 'Pods waiting to be reconciled (waiting, in progress or backing off)',
      registers: [this.registry],
      collect() {
        this.set(sources()?.queueDepth() ?? 0);
      },
    });
  }

  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The CloudClient observer. */
  readonly observeRequest = (outcome: RequestOutcome): void => {
    const labels = { service: outcome.service, method: outcome.method, status: String(outcome.status) };
    this.cciLatency.observe(labels, outcome.seconds);
    if (outcome.status === 0 || outcome.status >= 400) this.cciErrors.inc(labels);
  };

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
