import { addonHistoryFor } from '../addon/status.js';
import { historyText } from '../addon/present.js';
import { jsonFlag, kubeFlags, VkctlCommand, kubeSettings } from '../command-base.js';

export default class History extends VkctlCommand {
  static override summary = 'List the release’s revisions';
  static override examples = ['<%= config.bin %> history', '<%= config.bin %> history -o json'];

  static override flags = { ...jsonFlag, ...kubeFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(History);
    // Not loadKubeConfig: that loads client-node, which takes longer than history should (addon/status.ts).
    const entries = await addonHistoryFor(kubeSettings(flags), flags.namespace);
    if (flags.json) this.printData({ revisions: entries });
    else
      this.log(entries.length === 0 ? `vkctl is not installed in ${flags.namespace}` : historyText(entries));
  }
}
