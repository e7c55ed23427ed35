import { Flags } from '@oclif/core';
import { cliVersion } from '../addon/catalog.js';
import { changesText } from '../addon/present.js';
import { upgrade } from '../addon/upgrade.js';
import { jsonFlag, kubeFlags, VkctlCommand } from '../command-base.js';
import { lifecycleTarget } from '../command-lifecycle.js';

export default class Diff extends VkctlCommand {
  static override summary = 'Show what an upgrade would change (the same as upgrade --dry-run)';
  static override description =
    'Exit codes, as kubectl diff’s: 0 no differences, 1 differences found, 2 failed, 3 a usage or configuration error.';
  static override examples = [
    '<%= config.bin %> diff',
    '<%= config.bin %> diff --set replicas=2 --interconnect',
    '<%= config.bin %> diff --version 0.2.0 -o yaml',
  ];

  static override flags = {
    version: Flags.string({ description: 'the version to compare with (default: this CLI’s)' }),
    interconnect: Flags.boolean({ description: 'with interconnect on or off', allowNo: true }),
    values: Flags.string({ char: 'f', description: 'values file (YAML), repeatable', multiple: true }),
    set: Flags.string({ description: 'a value, key=value, repeatable', multiple: true }),
    ...jsonFlag,
    ...kubeFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Diff);
    const result = await upgrade({
      ...lifecycleTarget({ ...flags, wait: false, timeout: '1s' }, this.progress(flags.json)),
      version: flags.version ?? cliVersion(),
      values: { files: flags.values, sets: flags.set, flags: { interconnect: flags.interconnect } },
      force: true,
      dryRun: true,
      rollbackOnFailure: false,
    });
    const changes = result.changes ?? [];
    const differs = result.outcome !== 'up-to-date' && changes.length > 0;
    if (flags.json) this.printData({ changes });
    else this.log(differs ? changesText(changes) : 'no changes');
    // As `kubectl diff`: 1 says there are differences, so scripts can branch on it.
    if (differs) this.exit(1);
  }

  /** An error is 2 (a usage error 3), as kubectl diff adds one to its other commands' codes. */
  protected override failureExitCode(code: number): number {
    return code + 1;
  }
}
