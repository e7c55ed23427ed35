import { Args } from '@oclif/core';
import { upgradeText } from '../addon/present.js';
import { rollback } from '../addon/rollback.js';
import { jsonFlag, kubeFlags, VkctlCommand, waitFlags } from '../command-base.js';
import { lifecycleTarget } from '../command-lifecycle.js';
import { UsageError } from '../errors.js';

export default class Rollback extends VkctlCommand {
  static override summary =
    'Roll the add-on back to an earlier revision (default: the one before the current)';
  static override args = {
    revision: Args.string({ description: 'revision to roll back to (see vkctl history)' }),
  };
  static override examples = ['<%= config.bin %> rollback', '<%= config.bin %> rollback 3 --timeout 10m'];

  static override flags = { ...waitFlags, ...jsonFlag, ...kubeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rollback);
    const toRevision = args.revision === undefined ? undefined : Number(args.revision);
    if (toRevision !== undefined && !Number.isInteger(toRevision))
      throw new UsageError(`revision must be a number, not "${args.revision}"`);
    const result = await rollback({ ...lifecycleTarget(flags, this.progress(flags.json)), toRevision });
    const failed = result.outcome === 'failed';
    if (flags.json) this.printData(result);
    // A failure is said on stderr, so stdout stays what succeeded.
    else if (failed) this.logToStderr(upgradeText(result));
    else this.log(upgradeText(result));
    if (failed) this.exit(1);
  }
}
