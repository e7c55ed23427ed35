import { Flags } from '@oclif/core';
import { kubeFlags, logLevelFlag, VkctlCommand } from '../command-base.js';
import { parseDuration } from '../duration.js';
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
    // `vkctl proxy stop` (the pod's app containers are done) ends the proxy at once: it closes its
    // listeners and exits 0. SIGTERM (the pod is being deleted) reaches every container at the same
    // time, and the app's own shutdown may still talk to cluster Services: the proxy keeps serving
    // for --shutdown-delay first (a native sidecar would have been stopped after the app; on 1.19
    // this short delay is the nearest thing). A second signal, or SIGINT, ends it at once.
    const shutdownDelayMs = parseDuration(flags['shutdown-delay']);
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    process.once('SIGTERM', () => {
      log.info('asked to stop: serving a little longer for the app’s own shutdown', {
        seconds: shutdownDelayMs / 1000,
      });
      setTimeout(stop, shutdownDelayMs).unref();
      process.once('SIGTERM', stop);
    });
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
