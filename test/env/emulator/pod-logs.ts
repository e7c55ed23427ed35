// Container logs of the fake CCI runtime, kept in memory per pod UID and container, with followers
// for `follow=true` streams. Served by the CCI pod log API (GET .../pods/{name}/log).
import { EventEmitter } from 'node:events';

export interface LogLine {
  time: Date;
  text: string;
}

interface ContainerLog {
  lines: LogLine[];
  /** The log of the previous instance, after a restart. */
  previous: LogLine[];
  ended: boolean;
  events: EventEmitter;
}

/** Enough for tests; older lines are dropped as a kubelet rotates logs. */
const MAX_LINES = 10_000;

export class PodLogs {
  private readonly logs = new Map<string, ContainerLog>();

  private entry(podUid: string, container: string): ContainerLog {
    const key = `${podUid}/${container}`;
    let log = this.logs.get(key);
    if (!log) {
      log = { lines: [], previous: [], ended: false, events: new EventEmitter() };
      log.events.setMaxListeners(0);
      this.logs.set(key, log);
    }
    return log;
  }

  append(podUid: string, container: string, text: string): void {
    const log = this.entry(podUid, container);
    const line = { time: new Date(), text };
    log.lines.push(line);
    if (log.lines.length > MAX_LINES) log.lines.shift();
    log.events.emit('line', line);
  }

  /** A container instance ended; followers of it stop. */
  end(podUid: string, container: string): void {
    const log = this.entry(podUid, container);
    log.ended = true;
    log.events.emit('end');
  }

  /** A restarted container starts a new log; the old one becomes `previous`. */
  restart(podUid: string, container: string): void {
    const log = this.entry(podUid, container);
    log.previous = log.lines;
    log.lines = [];
    log.ended = false;
  }

  lines(podUid: string, container: string, previous = false): LogLine[] {
    const log = this.entry(podUid, container);
    return previous ? log.previous : log.lines;
  }

  isEnded(podUid: string, container: string): boolean {
    return this.entry(podUid, container).ended;
  }

  /** Calls `onLine` for each new line until the container ends or the returned function is called. */
  follow(podUid: string, container: string, onLine: (line: LogLine) => void, onEnd: () => void): () => void {
    const log = this.entry(podUid, container);
    log.events.on('line', onLine);
    log.events.once('end', onEnd);
    return () => {
      log.events.off('line', onLine);
      log.events.off('end', onEnd);
    };
  }

  forget(podUid: string): void {
    for (const key of this.logs.keys()) if (key.startsWith(`${podUid}/`)) this.logs.delete(key);
  }
}
