// The runtime's parts stop in the reverse of the order they started. A part that finishes starting
// after the stop has begun (a leader taking over as SIGTERM arrives) is stopped at once instead of
// being left running, and whoever starts parts asks `stopping` before starting the next one.

type Stop = () => Promise<void> | void;

export class Shutdown {
  private readonly stops: Stop[] = [];
  private stopped: Promise<void> | undefined;

  get stopping(): boolean {
    return this.stopped !== undefined;
  }

  /** Registers a started part's stop; runs it at once when the shutdown has begun. */
  async add(stop: Stop): Promise<void> {
    if (this.stopping) await stop();
    else this.stops.push(stop);
  }

  /** Stops every part, the last started first; later calls wait for the same stop. */
  run(): Promise<void> {
    this.stopped ??= (async () => {
      for (const stop of this.stops.splice(0).reverse()) await stop();
    })();
    return this.stopped;
  }
}
