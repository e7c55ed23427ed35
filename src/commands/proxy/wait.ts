import { Flags } from '@oclif/core';
import { VkctlCommand } from '../../command-base.js';
import { parseDuration } from '../../duration.js';
import { defaultControlSocket, waitForProxy } from '../../provider/interconnect/control-socket.js';

export default class ProxyWait extends VkctlCommand {
  static override summary =
    'Wait until the proxy in this container serves DNS and knows the cluster’s Services';
  static override description =
    'The proxy container’s postStart hook: the kubelet starts the next container of the pod only once it returns.';
  static override examples = ['<%= config.bin %> proxy wait', '<%= config.bin %> proxy wait --timeout 1m'];

  static override flags = {
    timeout: Flags.string({ description: 'how long to wait at most', default: '30s' }),
    'control-socket': Flags.string({
      description: 'the proxy’s control socket',
      default: defaultControlSocket(),
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ProxyWait);
    const timeoutMs = parseDuration(flags.timeout, 'timeout');
    const outcome = await waitForProxy(flags['control-socket'], timeoutMs);
    if (outcome.kind === 'ready') {
      this.log('proxy ready');
      return;
    }
    // A failed postStart hook makes the kubelet kill the proxy while the app starts anyway: that
    // is right for a proxy that does not answer at all, wrong for one that serves DNS already.
    if (outcome.kind === 'dnsOnly') {
      this.log(`proxy serves DNS; the cluster’s Services are not listed yet after ${flags.timeout}`);
      return;
    }
    throw new Error(`no proxy answered on ${flags['control-socket']} within ${flags.timeout}`);
  }
}
