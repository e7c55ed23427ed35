import { Flags, type Interfaces } from '@oclif/core';
import { cliVersion, installableVersions } from '../shared/catalog.js';
import { managedUpgradeText, offeredVersionsText } from '../addon/managed/present.js';
import { upgradeManaged } from '../addon/managed/upgrade.js';
import { offeredVersions } from '../addon/managed/versions.js';
import type { ReleaseRecord } from '../addon/release-store.js';
import { UsageError } from '../errors.js';
import { upgradeText } from '../addon/present.js';
import { upgrade } from '../addon/upgrade.js';
import {
  cloudFlags,
  jsonFlag,
  kubeFlags,
  newCciCredentials,
  valueFlags,
  VkctlCommand,
  waitFlags,
} from '../command-base.js';
import { latestRelease, lifecycleTarget, managedTarget } from '../command-lifecycle.js';

export default class Upgrade extends VkctlCommand {
  static override summary = 'Upgrade the add-on to this CLI’s version (or --version), keeping its values';
  static override description = `Applies the new version's manifests, prunes what it no longer has, and waits. When that fails or times out it rolls back to the revision it replaced (--no-rollback keeps the failed state for debugging).
"Already up to date" when version and values are unchanged. A downgrade needs --force. --dry-run shows what would change.
--update-credentials replaces the runtime's node certificate (and its CCI keys, when new ones are given) and rolls it.
When the release is Huawei's managed add-on (install --managed), it upgrades the CCE add-on instead: to the newest version CCE offers for this cluster, or --version; "already at the newest version" when there is none newer; an instance that failed is sent again; --list shows the versions offered; --dry-run the changes and the whole set of values. --force, --no-rollback and --update-credentials are refused there.`;
  static override examples = [
    '<%= config.bin %> upgrade',
    '<%= config.bin %> upgrade --set replicas=2 --dry-run',
    '<%= config.bin %> upgrade --version 0.1.0 --force',
    'HUAWEICLOUD_SDK_SK=... <%= config.bin %> upgrade --update-credentials --access-key AK...',
    '<%= config.bin %> upgrade --list',
  ];

  static override flags = {
    version: Flags.string({
      description: 'the version to upgrade to (default: this CLI’s; managed: the newest CCE offers)',
    }),
    list: Flags.boolean({
      description: 'list the versions that can be installed, and change nothing',
      // It changes nothing, so a change asked beside it would be silently dropped.
      exclusive: ['version', 'set', 'values', 'interconnect', 'dry-run', 'force', 'update-credentials'],
    }),
    ...valueFlags,
    force: Flags.boolean({ description: 'allow a downgrade' }),
    'update-credentials': Flags.boolean({
      description:
        'replace the runtime’s credentials and roll it: a new node certificate, and new CCI keys when given (--access-key and HUAWEICLOUD_SDK_SK, or the config file)',
    }),
    'dry-run': Flags.boolean({ description: 'show what would change and change nothing' }),
    rollback: Flags.boolean({
      description: 'roll back by itself when the upgrade fails',
      default: true,
      allowNo: true,
    }),
    ...waitFlags,
    ...jsonFlag,
    ...kubeFlags,
    ...cloudFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Upgrade);
    const target = lifecycleTarget(flags, this.progress(flags.json));
    const record = await latestRelease(target);
    if (record?.mode === 'managed') return this.upgradeManaged(flags, record);
    if (flags.list) {
      const versions = installableVersions();
      if (flags.json) this.printData({ versions });
      else this.log(versions.map((v) => `${v.version}  kubernetes ${v.kubernetes}`).join('\n'));
      return;
    }
    const result = await upgrade({
      ...target,
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

  private async upgradeManaged(
    flags: Interfaces.InferredFlags<typeof Upgrade.flags>,
    record: ReleaseRecord,
  ): Promise<void> {
    // Flags that do nothing for CCE's add-on are refused, not ignored: CCE neither downgrades nor
    // rolls back by itself, and has no node certificate of vkctl's to renew.
    const ownOnly = [
      ...(flags.force ? ['--force'] : []),
      ...(flags['update-credentials'] ? ['--update-credentials'] : []),
      ...(flags.rollback ? [] : ['--no-rollback']),
    ];
    if (ownOnly.length > 0)
      throw new UsageError(
        `${ownOnly.join(', ')} ${ownOnly.length > 1 ? 'apply' : 'applies'} to vkctl's own runtime; this release is Huawei's managed add-on, which CCE upgrades`,
      );
    const target = managedTarget(flags, record, this.progress(flags.json));
    if (flags.list) {
      const versions = await offeredVersions(target);
      if (flags.json) this.printData({ versions });
      else this.log(offeredVersionsText(versions));
      return;
    }
    const result = await upgradeManaged({
      ...target,
      version: flags.version,
      inputs: { files: flags.values, sets: flags.set, interconnect: flags.interconnect },
      dryRun: flags['dry-run'],
    });
    const failed = result.outcome === 'failed';
    if (flags.json) this.printData(result);
    else if (failed) this.logToStderr(managedUpgradeText(result));
    else this.log(managedUpgradeText(result));
    if (failed) this.exit(1);
  }
}
