import { Flags } from '@oclif/core';
import { kubeFlags, logLevelFlag, VkctlCommand } from '../command-base.js';
import { parseDuration } from '../duration.js';
import { defaultControlSocket } from '../provider/interconnect/control-socket.js';
import { runProxyUntilStopped } from '../provider/interconnect/proxy-process.js';
import { proxySettings } from '../provider/interconnect/proxy-settings.js';
import { processLogger } from '../provider/logger.js';

export default class Proxy extends VkctlCommand {
  static override summary =
    'Run the interconnect sidecar: DNS and TCP forwarding from a CCI pod to the cluster’s ClusterIP Services';
  static override description =
    'The sidecar that interconnect adds to each CCI pod; it logs JSON lines on stderr. vkctl proxy wait is its postStart hook, vkctl proxy stop ends it.';
  static override examples = [
    '<%= config.bin %> proxy --kubeconfig /etc/vkctl-proxy/kubeconfig --reserved-ports 8080,9090',
    '<%= config.bin %> proxy --dns-address 127.0.0.1:5353 --upstream-dns 10.0.0.10:53 --log-level debug',
  ];

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
    'shutdown-delay': Flags.string({
      description:
        'on SIGTERM (the pod is being deleted), how long to keep serving so the app’s own shutdown can still reach the cluster',
      default: '5s',
    }),
    'log-level': logLevelFlag,
    kubeconfig: kubeFlags.kubeconfig,
    context: kubeFlags.context,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Proxy);
    const log = processLogger(flags['log-level']);
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
    const outcome = await runProxyUntilStopped(
      { ...settings, controlSocket: flags['control-socket'] },
      parseDuration(flags['shutdown-delay'], 'shutdownDelay'),
      log,
    );
    if (outcome === 'stopped-while-starting') process.exit(0);
  }
}
