import { Flags } from '@oclif/core';
import { uninstallText } from '../addon/present.js';
import { uninstall } from '../addon/uninstall.js';
import { cloudFlags, jsonFlag, kubeFlags, VkctlCommand, kubeSettings } from '../command-base.js';
import { latestRelease, managedTarget } from '../command-lifecycle.js';
import { managedUninstallText } from '../addon/managed/present.js';
import { uninstallManaged } from '../addon/managed/uninstall.js';
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';

export default class Uninstall extends VkctlCommand {
  static override summary = 'Remove the add-on and everything it created, in the cluster and in CCI';
  static override description = `Removes the webhook first, cordons the virtual node and evicts its pods (their controllers recreate them on CCE nodes; --force deletes them), deletes the CCI namespace, every object of the add-on, the node and its lease, and the release records last. Safe to run again after an interruption.
Asks for confirmation on a terminal; elsewhere pass --yes.
When the release is Huawei's managed add-on (install --managed), it uninstalls the CCE add-on instead (--timeout bounds the wait) and waits until CCE no longer has it; --force is refused there.`;
  static override examples = [
    '<%= config.bin %> uninstall',
    '<%= config.bin %> uninstall --dry-run',
    '<%= config.bin %> uninstall --yes --timeout 10m -n vkctl-system',
  ];

  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
    force: Flags.boolean({ description: 'delete the virtual node’s pods at once instead of evicting them' }),
    'dry-run': Flags.boolean({ description: 'list what would be removed and change nothing' }),
    timeout: Flags.string({
      description: 'how long to wait for pods to leave the virtual node',
      default: '5m',
    }),
    ...jsonFlag,
    ...kubeFlags,
    ...cloudFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Uninstall);
    const timeoutMs = parseDuration(flags.timeout, 'timeout');
    const kc = loadKubeConfig(kubeSettings(flags));
    const record = await latestRelease({ kc, namespace: flags.namespace });
    const managed = record?.mode === 'managed';
    if (managed && flags.force)
      throw new UsageError(
        "--force applies to vkctl's own runtime (it deletes the virtual node's pods); this release is Huawei's managed add-on, which CCE uninstalls",
      );
    if (!flags['dry-run'] && !flags.yes) {
      const what = managed
        ? `Huawei's virtual-kubelet add-on ${record.version} (CCE instance ${record.addonId ?? 'not recorded'})`
        : 'the add-on and its CCI pods';
      if (!this.prompt) throw new UsageError(`uninstall removes ${what}: pass --yes to confirm`);
      // Loaded only to ask: the prompts library takes about 0.1 s to import.
      const { confirm } = await import('@inquirer/prompts');
      const message = managed
        ? `Uninstall ${what} through CCE, and remove vkctl's release records from ${flags.namespace}?`
        : `Remove vkctl from ${flags.namespace} and delete its CCI resources?`;
      if (!(await confirm({ message, default: false }))) {
        this.log('nothing removed');
        return;
      }
    }
    if (managed) {
      const target = managedTarget({ ...flags, wait: true }, record, this.progress(flags.json));
      const result = await uninstallManaged({ ...target, dryRun: flags['dry-run'] }, record);
      if (flags.json) this.printData(result);
      else this.log(managedUninstallText(result));
      return;
    }
    const result = await uninstall({
      kc,
      namespace: flags.namespace,
      dryRun: flags['dry-run'],
      force: flags.force,
      timeoutMs,
      progress: this.progress(flags.json),
    });
    if (flags.json) this.printData(result);
    else this.log(uninstallText(result, flags.namespace));
  }
}
