// Errors that carry their exit code. Exit codes follow doctor's: 0 all well (or warnings only),
// 1 a check or validation failed, 2 a usage or configuration error (bad flag, unreadable input).
export class UsageError extends Error {
  readonly exitCode = 2;
}

export class ConfigError extends Error {
  readonly exitCode = 2;
}

export function exitCodeOf(error: unknown): number {
  const code = (error as { exitCode?: unknown }).exitCode;
  return typeof code === 'number' ? code : 1;
}
