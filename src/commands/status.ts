import { addonStatusFor, type ManagedStateReader } from '../addon/status.js';
import { statusText } from '../addon/present.js';
import {
  cloudConfigFromFlags,
  cloudFlags,
  jsonFlag,
  kubeFlags,
  VkctlCommand,
  kubeSettings,
} from '../command-base.js';

export default class Status extends VkctlCommand {
  static override summary = 'Show the installed release and how its runtime and virtual node are doing';
  static override description =
    'Exits 1 when vkctl is not installed in the namespace, its release record cannot be read, or (managed mode) the CCE add-on instance is not running.';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status -n vkctl-system -o yaml'];

  static override flags = { ...jsonFlag, ...kubeFlags, ...cloudFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    // Not loadKubeConfig: that loads client-node, which takes longer than status should (addon/status.ts).
    // Huawei's managed add-on: its CCE instance is asked too (loaded only then).
    const managedState: ManagedStateReader = async (record) =>
      (await import('../addon/managed/status.js')).managedStateReader(cloudConfigFromFlags(flags))(record);
    const status = await addonStatusFor(kubeSettings(flags), flags.namespace, managedState);
    if (flags.json) this.printData(status);
    else this.log(statusText(status));
    // As `helm status`: nothing installed is an error; so is a record that cannot be read.
    // Also when Huawei's managed add-on is not running in CCE (or CCE could not be asked).
    if (!status.installed || status.unreadable || (status.addon && !status.addon.ready)) this.exit(1);
  }
}
