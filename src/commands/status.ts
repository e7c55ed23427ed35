import { addonStatusFor } from '../addon/status.js';
import { statusText } from '../addon/present.js';
import { jsonFlag, kubeFlags, VkctlCommand, kubeSettings } from '../command-base.js';

export default class Status extends VkctlCommand {
  static override summary = 'Show the installed release and how its runtime and virtual node are doing';
  static override description =
    'Exits 1 when vkctl is not installed in the namespace, or its release record cannot be read.';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status -n vkctl-system -o yaml'];

  static override flags = { ...jsonFlag, ...kubeFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    // Not loadKubeConfig: that loads client-node, which takes longer than status should (addon/status.ts).
    const status = await addonStatusFor(kubeSettings(flags), flags.namespace);
    if (flags.json) this.printData(status);
    else this.log(statusText(status));
    // As `helm status`: nothing installed is an error; so is a record that cannot be read.
    if (!status.installed || status.unreadable) this.exit(1);
  }
}
