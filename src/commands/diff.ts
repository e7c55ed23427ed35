import { Flags } from '@oclif/core';
import { cliVersion } from '../addon/catalog.js';
import { changesText } from '../addon/present.js';
import { upgrade } from '../addon/upgrade.js';
import { jsonFlag, kubeFlags, VkctlCommand } from '../command-base.js';
import { lifecycleTarget } from '../command-lifecycle.js';

export default class Diff extends VkctlCommand {
  static override summary = 'Show what an upgrade would change (the same as upgrade --dry-run)';
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
    if (flags.json) this.printJson({ changes });
    else this.log(result.outcome === 'up-to-date' ? 'no changes' : changesText(changes));
  }
}
