// What every vkctl command shares: -o json|yaml (and --json), --no-color, a one-line error with the
// right exit code (2 for usage and configuration errors, 1 otherwise), and the flag groups for
// Kubernetes and Huawei Cloud.
// Every command imports this module, so it imports nothing heavy (no client-node, prompts, YAML
// parser or logger; oclif's own parts, not its index): bench/results/startup.json.
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import type { Input, ParserOutput } from '@oclif/core/interfaces';
import type { Prompt } from './addon/inputs.js';
import { CLOUD_SERVICES, loadCloudConfig, type CloudConfig, type CloudService } from './cloud/config.js';
import type { AddonCredentials } from './addon/values.js';
import { parseDuration } from './duration.js';
import { colorEnabled } from './color.js';
import { failureLine, flagSpeller, type FlagOf } from './command-errors.js';
import { exitCodeOf, parseErrorLine, UsageError } from './errors.js';
import type { KubeFlags } from './kube/kubeconfig.js';
import { LOG_LEVELS } from './provider/log-levels.js';
import { dataText, OUTPUT_FORMATS, type OutputFormat } from './output.js';
import { nearest } from './suggest.js';

/**
 * The output flags of every command that prints data: -o json|yaml as kubectl's, and --json, the
 * same as -o json (older scripts use it). After parsing, `flags.json` is true for either format
 * (VkctlCommand.parse), so a command asks one flag whether to print data, and printData prints it
 * in the format asked for. (Named jsonFlag since it was --json alone.)
 */
export const jsonFlag = {
  output: Flags.option({
    char: 'o',
    description: 'print the result as data on stdout: json or yaml',
    options: OUTPUT_FORMATS,
  })(),
  json: Flags.boolean({ description: 'the same as -o json', exclusive: ['output'] }),
};

/** --log-level of the long-running commands (provider run, proxy), which log JSON lines. */
export const logLevelFlag = Flags.option({
  description: 'least level logged',
  options: LOG_LEVELS,
  default: 'info',
})();

export const kubeFlags = {
  kubeconfig: Flags.string({
    description: 'path to the kubeconfig (default: $KUBECONFIG or ~/.kube/config)',
    helpGroup: 'KUBERNETES',
  }),
  context: Flags.string({ description: 'kubeconfig context to use', helpGroup: 'KUBERNETES' }),
  namespace: Flags.string({
    char: 'n',
    description: 'the add-on’s namespace',
    default: 'kube-system',
    helpGroup: 'KUBERNETES',
  }),
  'request-timeout': Flags.string({
    description: 'how long one Kubernetes API request may take, e.g. 30s or 1m',
    default: '30s',
    helpGroup: 'KUBERNETES',
  }),
};

/** The kubeconfig settings of the Kubernetes flags. */
export function kubeSettings(flags: {
  kubeconfig?: string;
  context?: string;
  'request-timeout'?: string;
}): KubeFlags {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    requestTimeoutMs: flags['request-timeout']
      ? parseDuration(flags['request-timeout'], 'requestTimeout')
      : undefined,
  };
}

function endpointFlag(service: CloudService) {
  const upper = service.toUpperCase();
  return Flags.string({
    description: `${upper} endpoint URL (env VKCTL_${upper}_ENDPOINT)`,
    helpGroup: 'HUAWEI CLOUD',
  });
}

export const cloudFlags = {
  config: Flags.string({
    description: 'vkctl config file (default: $VKCTL_CONFIG or ~/.config/vkctl/config.yaml)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  region: Flags.string({
    description: 'region, e.g. cn-north-4 (env HUAWEICLOUD_SDK_REGION)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'project-id': Flags.string({
    description: 'project ID (env HUAWEICLOUD_SDK_PROJECT_ID; found from the region if unset)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'cluster-id': Flags.string({
    description: 'CCE cluster ID (env VKCTL_CLUSTER_ID)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'access-key': Flags.string({
    description: 'access key ID (env HUAWEICLOUD_SDK_AK)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'secret-key': Flags.string({
    description:
      'secret access key; prefer env HUAWEICLOUD_SDK_SK or the config file, which stay out of shell history',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'iam-endpoint': endpointFlag('iam'),
  'cce-endpoint': endpointFlag('cce'),
  'vpc-endpoint': endpointFlag('vpc'),
  'cci-endpoint': endpointFlag('cci'),
} as const;

type CloudFlagValues = { [K in keyof typeof cloudFlags]?: string | undefined };

export function cloudConfigFromFlags(flags: CloudFlagValues): CloudConfig {
  const endpoints: Partial<Record<CloudService, string>> = {};
  for (const s of CLOUD_SERVICES) {
    const value = flags[`${s}-endpoint`];
    if (value) endpoints[s] = value;
  }
  return loadCloudConfig({
    config: flags.config,
    region: flags.region,
    projectId: flags['project-id'],
    clusterId: flags['cluster-id'],
    accessKey: flags['access-key'],
    secretKey: flags['secret-key'],
    endpoints,
  });
}

/**
 * New CCI keys for `upgrade --update-credentials`: both from flags, environment or config file, or
 * neither (the installed ones are kept); one without the other is an error, not half a change.
 */
export function newCciCredentials(flags: {
  config?: string;
  'access-key'?: string;
  'secret-key'?: string;
}): AddonCredentials | undefined {
  const cloud = loadCloudConfig({
    config: flags.config,
    accessKey: flags['access-key'],
    secretKey: flags['secret-key'],
    endpoints: {},
  });
  if (cloud.accessKey && cloud.secretKey) return { accessKey: cloud.accessKey, secretKey: cloud.secretKey };
  if (cloud.accessKey || cloud.secretKey)
    throw new UsageError(
      `--update-credentials: ${cloud.accessKey ? 'a secret key' : 'an access key'} is missing (give both, or neither to keep the installed keys)`,
    );
  return undefined;
}

/** The values of a revision (install, upgrade, diff): --interconnect, -f/--values and --set, as helm's. */
export const valueFlags = {
  interconnect: Flags.boolean({
    description:
      'cross-service interconnect on or off: CCI pods and CCE pods reach each other through ClusterIP Services',
    allowNo: true,
  }),
  values: Flags.string({ char: 'f', description: 'values file (YAML), repeatable', multiple: true }),
  set: Flags.string({
    description:
      'a value, key=value (e.g. replicas=2, resources.cpu=500m; managed: flavor.replicas=2), repeatable',
    multiple: true,
  }),
};

/** --wait and --timeout, for the commands that deploy a revision. */
export const waitFlags = {
  wait: Flags.boolean({
    description: 'wait until the runtime is available and the virtual node Ready',
    default: true,
    allowNo: true,
  }),
  timeout: Flags.string({ description: 'how long to wait', default: '5m' }),
};

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
