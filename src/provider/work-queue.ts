// A keyed work queue in the manner of client-go's workqueue: a key waits at most once however often
// it is added, is never handled by two workers at once (added again while handled, it runs again
// after), and a handler that throws gets its key back after a capped exponential backoff (the
// handler decides what is permanent and deals with it instead of throwing). No library does this
// for Node: client-node has informers but no work queue.

export interface WorkQueueOptions {
  concurrency: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called for each failure, with the delay before the key is tried again. */
  onError: (key: string, error: unknown, retryInMs: number) => void;
  /**
   * Called as a key is taken, with how long it waited since it was added (as client-go's
   * workqueue_queue_duration_seconds): whether the workers keep up.
   */
  onTaken?: (waitedMs: number) => void;
}

export class WorkQueue {
  /** Keys waiting, and when each was added (performance.now()). */
  private readonly waiting = new Map<string, number>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  private stopped = false;
  /** Keys gather but nothing runs until start(): decisions need every cache loaded first. */
  private started = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handle: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions,
  ) {}

  /** Keys waiting or being handled: the runtime's queue depth. */
  get depth(): number {
    return this.waiting.size + this.active.size + this.timers.size;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.waiting.set(key, performance.now());
    this.order.push(key);
    this.pump();
  }

  start(): void {
    this.started = true;
    this.pump();
  }

  /** Stops taking work; resolves when what is running has finished (or after `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.order.length = 0;
    this.waiting.clear();
    const deadline = Date.now() + graceMs;
    while (this.active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** Resolves when nothing waits, runs or is scheduled for retry (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (
      this.started &&
      !this.stopped &&
      this.running < this.options.concurrency &&
      this.order.length > 0
    ) {
      const key = this.order.shift() as string;
      const waitedMs = performance.now() - (this.waiting.get(key) ?? performance.now());
      this.waiting.delete(key);
      this.active.add(key);
      this.running += 1;
      void this.work(key);
      // Once the key is in hand: an observer that throws must not lose it.
      try {
        this.options.onTaken?.(waitedMs);
      } catch {
        // a metric not recorded is no reason to stop the queue
      }
    }
    if (this.depth === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async work(key: string): Promise<void> {
    try {
      await this.handle(key);
      this.failures.delete(key);
    } catch (error) {
      this.retryLater(key, error);
    } finally {
      this.active.delete(key);
      this.running -= 1;
      if (this.again.delete(key)) this.add(key);
      this.pump();
    }
  }

  private retryLater(key: string, error: unknown): void {
    if (this.stopped) return;
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const min = this.options.minBackoffMs ?? 100;
    const delay = Math.min(min * 2 ** (failures - 1), this.options.maxBackoffMs ?? 30_000);
    this.options.onError(key, error, delay);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, delay);
    this.timers.add(timer);
  }
}
