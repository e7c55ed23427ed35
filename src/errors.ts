// Errors that carry their exit code. Exit codes follow doctor's: 0 all well (or warnings only),
// 1 a check or validation failed, or the cluster's or cloud's state refused the action; 2 a usage or
// configuration error (bad flag, unreadable input): what the command line and its inputs alone get wrong.
import { stripVTControlCharacters } from 'node:util';

/**
 * What an error says about the command line, without spelling it. The layers under the commands
 * name an action's options as the action takes them (install's skipChecks, upgrade's force, the
 * cloud's region); the command layer (src/command-errors.ts) spells each as the running command's
 * flag, and leaves it out where that command has no such flag: the runtime reads the same settings
 * from its config file, where "--region" would be a wrong hint.
 */
export interface OptionAdvice {
  /** The option whose value was wrong: the message is shown after its flag ("--set: ..."). */
  option?: string;
  /** Inputs that are missing, each with an environment variable that can give it too. */
  missing?: { option?: string; env?: string }[];
  /** An option that would overcome the refusal, and what it does ("to downgrade"). */
  override?: { option: string; effect: string };
}

export interface VkctlErrorOptions extends ErrorOptions {
  advice?: OptionAdvice;
}

/** An error of vkctl's own: its exit code, the error it wraps (cause), and its option advice. */
export class VkctlError extends Error {
  readonly exitCode: number = 1;
  readonly advice?: OptionAdvice;

  constructor(message: string, options: VkctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.advice = options.advice;
  }
}

/**
 * A well-formed command that what the cluster or the cloud holds refuses: not installed, installed
 * otherwise or elsewhere, busy or failed in CCE, no such revision, no add-on version CCE offers this
 * cluster, a downgrade without --force. Exit 1, as kubectl and helm exit when the state refuses ("has
 * no deployed releases", "cannot re-use a name"): what must change is the cluster or the cloud, not
 * the command line. A flag that does not apply to the install's mode or version (--force on a
 * managed install), or a version vkctl does not ship, stays a UsageError or ConfigError: there the
 * command line is what must change, even if another install would accept it.
 */
export class StateError extends VkctlError {}

/** A bad command line or input: exit 2. */
export class UsageError extends VkctlError {
  override readonly exitCode = 2;
}

/** A setting missing or wrong (kubeconfig, cloud config, values): exit 2. */
export class ConfigError extends VkctlError {
  override readonly exitCode = 2;
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
