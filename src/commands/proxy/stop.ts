import { Flags } from '@oclif/core';
import { VkctlCommand } from '../../command-base.js';
import { askProxy, defaultControlSocket } from '../../provider/interconnect/control-socket.js';

export default class ProxyStop extends VkctlCommand {
  static override summary = 'Tell the proxy in this container to exit 0';
  static override description =
    'The runtime execs it in the proxy container once the pod’s app containers are done for good, so that a Job’s pod completes.';
  static override examples = [
    '<%= config.bin %> proxy stop',
    '<%= config.bin %> proxy stop --control-socket /run/vkctl/proxy.sock',
  ];

  static override flags = {
    'control-socket': Flags.string({
      description: 'the proxy’s control socket',
      default: defaultControlSocket(),
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ProxyStop);
    const answer = await askProxy(flags['control-socket'], 'stop');
    if (answer !== 'stopping')
      throw new Error(`no proxy answered on ${flags['control-socket']}${answer ? `: ${answer}` : ''}`);
    this.log('proxy stopping');
  }
}
