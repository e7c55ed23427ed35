import { Flags } from '@oclif/core';
import { cliVersion } from '../addon/catalog.js';
import { upgradeText } from '../addon/present.js';
import { upgrade } from '../addon/upgrade.js';
import {
  cloudFlags,
  jsonFlag,
  kubeFlags,
  newCciCredentials,
  VkctlCommand,
  waitFlags,
} from '../command-base.js';
import { lifecycleTarget } from '../command-lifecycle.js';

export default class Upgrade extends VkctlCommand {
  static override summary = 'Upgrade the add-on to this CLI’s version (or --version), keeping its values';
  static override description = `Applies the new version's manifests, prunes what it no longer has, and waits. When that fails or times out it rolls back to the revision it replaced (--no-rollback keeps the failed state for debugging).
"Already up to date" when version and values are unchanged. A downgrade needs --force. --dry-run shows what would change.
--update-credentials replaces the runtime's node certificate (and its CCI keys, when new ones are given) and rolls it.`;
  static override examples = [
    '<%= config.bin %> upgrade',
    '<%= config.bin %> upgrade --set replicas=2 --dry-run',
    '<%= config.bin %> upgrade --version 0.1.0 --force',
    'HUAWEICLOUD_SDK_SK=... <%= config.bin %> upgrade --update-credentials --access-key AK...',
  ];

  static override flags = {
    version: Flags.string({ description: 'the version to upgrade to (default: this CLI’s)' }),
    interconnect: Flags.boolean({ description: 'turn cross-service interconnect on or off', allowNo: true }),
    values: Flags.string({ char: 'f', description: 'values file (YAML), repeatable', multiple: true }),
    set: Flags.string({ description: 'a value, key=value, repeatable', multiple: true }),
    force: Flags.boolean({ description: 'allow a downgrade' }),
    'update-credentials': Flags.boolean({
      description:
        'replace the runtime’s credentials and roll it: a new node certificate, and new CCI keys when given (--access-key and HUAWEICLOUD_SDK_SK, or the config file)',
    }),
    'access-key': cloudFlags['access-key'],
    'secret-key': cloudFlags['secret-key'],
    config: cloudFlags.config,
    'dry-run': Flags.boolean({ description: 'show what would change and change nothing' }),
    rollback: Flags.boolean({
      description: 'roll back by itself when the upgrade fails',
      default: true,
      allowNo: true,
    }),
    ...waitFlags,
    ...jsonFlag,
    ...kubeFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Upgrade);
    const result = await upgrade({
      ...lifecycleTarget(flags, this.progress(flags.json)),
      version: flags.version ?? cliVersion(),
      values: { files: flags.values, sets: flags.set, flags: { interconnect: flags.interconnect } },
      force: flags.force,
      dryRun: flags['dry-run'],
      rollbackOnFailure: flags.rollback,
      updateCredentials: flags['update-credentials'],
      credentials: flags['update-credentials'] ? newCciCredentials(flags) : undefined,
    });
    const failed = result.outcome === 'failed' || result.outcome === 'rolled-back';
    if (flags.json) this.printData(result);
    // A failure is said on stderr, so stdout stays what succeeded.
    else if (failed) this.logToStderr(upgradeText(result));
    else this.log(upgradeText(result));
    if (failed) this.exit(1);
  }
}
