import { Flags } from '@oclif/core';
import { cliVersion } from '../shared/catalog.js';
import { changesText } from '../addon/present.js';
import { planUpgrade } from '../addon/upgrade.js';
import { cloudFlags, jsonFlag, kubeFlags, valueFlags, VkctlCommand } from '../command-base.js';
import { latestRelease, lifecycleTarget, managedTarget } from '../command-lifecycle.js';
import { managedDiffText, managedUpgradeDiffers } from '../addon/managed/present.js';
import { upgradeManaged } from '../addon/managed/upgrade.js';

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
    version: Flags.string({
      description: 'the version to compare with (default: this CLI’s; managed: the newest CCE offers)',
    }),
    ...valueFlags,
    ...jsonFlag,
    ...kubeFlags,
    ...cloudFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Diff);
    const lifecycleFlags = { ...flags, wait: false, timeout: '1s' };
    const target = lifecycleTarget(lifecycleFlags, this.progress(flags.json));
    const record = await latestRelease(target);
    if (record?.mode === 'managed') {
      // Huawei's managed add-on: the version and values an upgrade would send to CCE.
      const managed = await upgradeManaged({
        ...managedTarget(lifecycleFlags, record, this.progress(flags.json)),
        version: flags.version,
        inputs: { files: flags.values, sets: flags.set, interconnect: flags.interconnect },
        dryRun: true,
      });
      const { changes, retry, version, values } = managed;
      if (flags.json) this.printData({ changes, ...(retry ? { retry } : {}), version, values });
      else this.log(managedDiffText(managed));
      if (managedUpgradeDiffers(managed)) this.exit(1);
      return;
    }
    // The planner itself: a downgrade or another Kubernetes is shown, not refused (force).
    const planned = await planUpgrade({
      ...target,
      version: flags.version ?? cliVersion(),
      values: { files: flags.values, sets: flags.set, flags: { interconnect: flags.interconnect } },
      force: true,
    });
    const { changes } = planned;
    const differs = !planned.upToDate && changes.length > 0;
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
