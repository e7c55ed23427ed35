import { addonStatus } from '../addon/status.js';
import { statusText } from '../addon/present.js';
import { jsonFlag, kubeFlags, VkctlCommand } from '../command-base.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';

export default class Status extends VkctlCommand {
  static override summary = 'Show the installed release and how its runtime and virtual node are doing';
  static override flags = { ...jsonFlag, ...kubeFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    const status = await addonStatus(
      loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context }),
      flags.namespace,
    );
    if (flags.json) this.printJson(status);
    else this.log(statusText(status));
  }
}
