// Fault knobs, per emulated service and optionally per path and method: added latency, an HTTP error
// status (429 with Retry-After, 5xx), or a dropped connection. A fault applies `times` times, or
// until removed. Later issues' fault-injection tests drive these.
export type ServiceName = 'iam' | 'cce' | 'vpc' | 'cci';

export interface Fault {
  service: ServiceName;
  method?: string;
  /** Matched against the request path (without query). */
  path?: RegExp;
  latencyMs?: number;
  /** Reply with this status instead of serving the request. */
  status?: number;
  /** Close the socket without replying. */
  drop?: boolean;
  /** How many matching requests it affects; unlimited when absent. */
  times?: number;
}

export interface FaultHandle {
  remove(): void;
  /** How many requests it has affected so far. */
  readonly hits: number;
}

interface ActiveFault extends Fault {
  hits: number;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

  add(fault: Fault): FaultHandle {
    const active: ActiveFault = { ...fault, hits: 0 };
    this.faults.push(active);
    return {
      remove: () => {
        this.faults = this.faults.filter((f) => f !== active);
      },
      get hits() {
        return active.hits;
      },
    };
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault that applies to this request, counting it as a hit. */
  take(service: ServiceName, method: string, path: string): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.service === service &&
        (!f.method || f.method === method) &&
        (!f.path || f.path.test(path)) &&
        (f.times === undefined || f.hits < f.times),
    );
    if (fault) fault.hits += 1;
    return fault;
  }
}
