import { Flags } from '@oclif/core';
import { kubeFlags, logLevelFlag, VkctlCommand } from '../command-base.js';
import { defaultControlSocket } from '../provider/interconnect/control-socket.js';
import { runProxy } from '../provider/interconnect/proxy.js';
import { proxySettings } from '../provider/interconnect/proxy-settings.js';
import { jsonLogger } from '../provider/logger.js';

export default class Proxy extends VkctlCommand {
  static override summary =
    'Run the interconnect sidecar: DNS and TCP forwarding from a CCI pod to the cluster’s ClusterIP Services';
  static override flags = {
    'dns-address': Flags.string({ description: 'where to answer DNS (UDP)', default: '127.0.0.1:53' }),
    'cluster-domain': Flags.string({ description: 'the cluster’s DNS domain', default: 'cluster.local' }),
    'upstream-dns': Flags.string({
      description: 'resolver for names outside the cluster (host:port; default: /etc/resolv.conf’s first)',
    }),
    'status-port': Flags.integer({
      description: 'port of /healthz and /services on 127.0.0.1',
      default: 10256,
    }),
    'reserved-ports': Flags.string({
      description: 'ports the pod’s own containers listen on, comma-separated: not served by the proxy',
      default: '',
    }),
    'reload-interval': Flags.string({
      description: 'how often to look for refreshed credentials in the kubeconfig file',
      default: '30s',
    }),
    'control-socket': Flags.string({
      description: 'unix socket that `vkctl proxy wait` and `vkctl proxy stop` talk to',
      default: defaultControlSocket(),
    }),
    'log-level': logLevelFlag,
    kubeconfig: kubeFlags.kubeconfig,
    context: kubeFlags.context,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Proxy);
    const log = jsonLogger(flags['log-level']);
    const settings = proxySettings(
      {
        dnsAddress: flags['dns-address'],
        clusterDomain: flags['cluster-domain'],
        upstreamDns: flags['upstream-dns'],
        statusPort: flags['status-port'],
        reservedPorts: flags['reserved-ports'],
        reloadInterval: flags['reload-interval'],
        kubeconfig: flags.kubeconfig,
        context: flags.context,
      },
      log,
    );
    // SIGTERM (the pod is deleted) and `vkctl proxy stop` (the pod's app containers are done) end
    // the proxy the same way: it closes its listeners and exits 0.
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const starting = runProxy({
      ...settings,
      control: { socket: flags['control-socket'], onStopRequest: stop },
    });
    const proxy = await Promise.race([starting, stopped.then(() => undefined)]);
    // Asked to stop before the Services were listed (the apiserver may be out of reach): nothing
    // is being served that needs an orderly close.
    if (!proxy) process.exit(0);
    await stopped;
    await proxy.stop();
  }
}
