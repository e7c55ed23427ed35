// Errors that carry their exit code. Exit codes follow doctor's: 0 all well (or warnings only),
// 1 a check or validation failed, 2 a usage or configuration error (bad flag, unreadable input).
import { stripVTControlCharacters } from 'node:util';

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

/**
 * One line for oclif's parse errors, whose point is often on the lines after the first ("The
 * following error occurred:\n  Missing required flag policy"), without "See more help with --help".
 */
export function parseErrorLine(message: string): string {
  const lines = stripVTControlCharacters(message)
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => !line.startsWith('See more help with'));
  const [first = '', ...rest] = lines;
  // The list under a heading ends at the first blank line (oclif's notes follow it).
  const end = rest.indexOf('');
  const detail = (end === -1 ? rest : rest.slice(0, end)).join('; ');
  const line =
    !first.endsWith(':') || !detail
      ? first
      : first.startsWith('The following error')
        ? detail
        : `${first} ${detail}`;
  // oclif names the flag without its dashes; the user typed (or forgot) it with them.
  return line.replace(/Missing required flag (\w[\w-]*)/g, 'Missing required flag --$1');
}

/** The first line of an error's message (or of a text): what a one-line error or log field shows. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? '';
}
