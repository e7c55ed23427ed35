// The levels of the runtime's logs, apart from logger.ts: the commands' --log-level flag names them,
// and every command would otherwise load pino with its flags.
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
