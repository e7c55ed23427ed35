// What every vkctl command shares: -o json|yaml (and --json), --no-color, a one-line error with the
// right exit code (2 for usage and configuration errors, 1 otherwise), and (from command-flags.ts)
// the flag groups for Kubernetes and Huawei Cloud.
// Every command imports this module, so it imports nothing heavy (no client-node, prompts, YAML
// parser or logger; oclif's own parts, not its index): bench/results/startup.json.
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import type { Input, ParserOutput } from '@oclif/core/interfaces';
import type { Prompt } from './addon/inputs.js';
import { colorEnabled } from './color.js';
import { failureLine, flagSpeller, type FlagOf } from './command-errors.js';
import { exitCodeOf, parseErrorLine } from './errors.js';
import { dataText, type OutputFormat } from './output.js';
import { nearest } from './suggest.js';

// The flag groups live in command-flags.ts; commands import them from here, with the base class.
export * from './command-flags.js';

/** What oclif parses flags and args into (its FlagOutput and ArgOutput, which it does not export). */
type Parsed = { [name: string]: unknown };

export abstract class VkctlCommand extends Command {
  /** --color and --no-color, on every command; unset, the environment decides (color.ts). */
  static override baseFlags = {
    color: Flags.boolean({
      description:
        'colour the output (default: on a terminal, unless NO_COLOR is set or TERM=dumb; FORCE_COLOR forces it)',
      allowNo: true,
      helpGroup: 'GLOBAL',
    }),
  };

  /** -o, or json for --json; undefined for the text output. */
  protected outputFormat: OutputFormat | undefined;
  private colorFlag: boolean | undefined;

  /** Parses as oclif does, and notes the output format and --color for printData and color. */
  protected override async parse<F extends Parsed, B extends Parsed, A extends Parsed>(
    options?: Input<F, B, A>,
    argv?: string[],
  ): Promise<ParserOutput<F, B, A>> {
    const result = await super.parse(options, argv);
    const flags = result.flags as { output?: OutputFormat; json?: boolean; color?: boolean };
    this.colorFlag = flags.color;
    this.outputFormat = flags.output ?? (flags.json ? 'json' : undefined);
    // -o is --json's new spelling: commands ask flags.json whether to print data.
    if (this.outputFormat && 'json' in (options?.flags ?? {})) flags.json = true;
    return result;
  }

  /** Whether to colour the output: color.ts decides, from --color and the environment. */
  protected get color(): boolean {
    return colorEnabled({ flag: this.colorFlag, env: process.env, isTTY: Boolean(process.stdout.isTTY) });
  }

  /** Questions for missing values, only when a person is at a terminal. */
  protected get prompt(): Prompt | undefined {
    if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
    // Loaded when a question is asked: the prompts library takes about 0.1 s to import.
    return async (message, secret) => {
      const { input, password } = await import('@inquirer/prompts');
      return secret ? password({ message }) : input({ message, required: true });
    };
  }

  /** Progress goes to stderr, so stdout stays clean for --json and --dry-run output. */
  protected progress(json: boolean): (message: string) => void {
    return (message) => {
      if (!json) this.logToStderr(message);
    };
  }

  /** Prints a command's result as the data -o (or --json) asked for: JSON unless YAML was. */
  protected printData(value: unknown): void {
    this.log(dataText(value, this.outputFormat ?? 'json'));
  }

  /** printData's earlier name, which some commands still call. */
  protected printJson(value: unknown): void {
    this.printData(value);
  }

  /**
   * The exit code of a failure whose own code is `code`. diff offsets it (as kubectl diff does),
   * since its 1 means "there are differences".
   */
  protected failureExitCode(code: number): number {
    return code;
  }

  /** This command's flag for an action's option (errors.ts OptionAdvice), if it has one. */
  protected get flagOf(): FlagOf {
    return flagSpeller(Object.keys({ ...this.ctor.baseFlags, ...this.ctor.flags }));
  }

  /** "did you mean --json?" for a flag this command does not have, when one is near. */
  private flagSuggestion(unknown: readonly string[]): string {
    const flags = { ...this.ctor.baseFlags, ...this.ctor.flags };
    const known = Object.entries(flags).flatMap(([name, flag]) => [
      `--${name}`,
      ...(flag.type === 'boolean' && flag.allowNo ? [`--no-${name}`] : []),
    ]);
    const typed = unknown[0]?.split('=')[0];
    const near = typed?.startsWith('--') ? nearest(typed, [...known, '--help']) : undefined;
    return near ? `; did you mean ${near}?` : '';
  }

  protected override async catch(
    error: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<void> {
    // A bad command line (an unknown flag, a missing or unexpected argument, a value not among a
    // flag's options): one line, exit 2, as every other usage error. oclif would print the usage too.
    // (oclif's CLIParseError is not exported; its instances carry the parse they failed.)
    // oclif's plain CLIError for a flag given without its value ("Flag --filename expects a value")
    // is one too.
    if (
      error.oclif &&
      ('parse' in error || /^Flag --\S+ expects a value/.test(parseErrorLine(error.message)))
    ) {
      const suggestion =
        'flags' in error && Array.isArray(error.flags) ? this.flagSuggestion(error.flags as string[]) : '';
      this.logToStderr(
        `Error: ${parseErrorLine(error.message)}${suggestion} (see vkctl ${this.id?.replace(/:/g, ' ') ?? ''} --help)`,
      );
      this.exit(this.failureExitCode(2));
    }
    // Ctrl-C at a question (inquirer's ExitPromptError): the shell's 130, as for SIGINT.
    if (error.name === 'ExitPromptError') {
      this.logToStderr('Error: interrupted');
      this.exit(130);
    }
    // oclif's other errors (exit()) keep their handling.
    if (error.oclif) {
      await super.catch(error);
      return;
    }
    this.logToStderr(`Error: ${failureLine(error, this.flagOf)}`);
    this.exit(this.failureExitCode(exitCodeOf(error)));
  }
}
