// The runtime's logs: one JSON object per line (pino), with a level, a time, a message and fields,
// so that log collectors can filter by pod or by level. The runtime only sees this small interface;
// tests hand it a logger that collects.
import { firstLine } from '../errors.js';
import { pino } from 'pino';
import type { LogLevel } from './log-levels.js';
import { kubeApiMessage } from '../kube/api-error.js';

export { LOG_LEVELS, type LogLevel } from './log-levels.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** JSON lines on stderr (stdout stays free), from `level` up. */
export function jsonLogger(level: LogLevel, destination: number = 2): Logger {
  const log = pino(
    { level, base: { component: 'vkctl-provider' } },
    pino.destination({ fd: destination, sync: true }),
  );
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}

/**
 * Process warnings (a MaxListenersExceededWarning, a deprecation) as log lines of `log`: Node's own
 * printer, which this replaces, writes them as plain text on stderr, in the middle of the JSON.
 */
export function logProcessWarnings(log: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) =>
    log.warn(warning.message, { warning: warning.name, code: warning.code, stack: warning.stack }),
  );
}

/**
 * The logger of a long-running process (the runtime, the approver, the proxy): JSON lines, Node's
 * own warnings among them, so that a log collector never meets a line it cannot parse.
 */
export function processLogger(level: LogLevel): Logger {
  const log = jsonLogger(level);
  logProcessWarnings(log);
  return log;
}

/**
 * An error for a log line: what the apiserver said when it is an apiserver's refusal (client-node's
 * own first line is only "HTTP-Code: 403"), else the first line of the message.
 */
export function errorText(error: unknown): string {
  return kubeApiMessage(error) ?? firstLine(error);
}
