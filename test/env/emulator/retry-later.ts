// Deferred work for the emulator's runtime, retried as a controller would: after a backoff when it
// fails (a dropped keep-alive connection, an apiserver under a 5,000-pod burst), up to 8 times.
// Work that finds its object gone (404, 409) is done; everything stops with the runtime.

const isGone = (e: unknown) => [404, 409].includes((e as { code?: number }).code ?? 0);

export class RetryLater {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  /** Runs `fn` after `ms`; when it fails, again after 100 ms, 200 ms, … up to 5 s between tries. */
  run(ms: number, fn: () => Promise<void>, attempt = 0): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      fn().catch((e: unknown) => {
        if (isGone(e) || this.stopped) return;
        if (attempt < 8) this.run(Math.min(100 * 2 ** attempt, 5000), fn, attempt + 1);
        else this.report(e);
      });
    }, ms);
    this.timers.add(timer);
  }

  /** Logs a failure that is not a gone object, unless stopped. */
  report(e: unknown): void {
    if (!isGone(e) && !this.stopped) console.error('cci emulator runtime:', (e as Error).message);
  }

  /** Whether `e` says the object is gone (or changed under us): nothing left to do. */
  isGone(e: unknown): boolean {
    return isGone(e);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
  }
}
