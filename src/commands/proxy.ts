import { readFileSync, statSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { kubeFlags, VkctlCommand } from '../command-base.js';
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import { runProxy } from '../provider/interconnect/proxy.js';
import { jsonLogger, LOG_LEVELS } from '../provider/logger.js';

/** host:port, with the port required. */
function hostPort(value: string, flag: string): { host: string; port: number } {
  const match = /^([^:]+):(\d+)$/.exec(value);
  if (!match) throw new UsageError(`--${flag} must be host:port, not "${value}"`);
  return { host: match[1] ?? '', port: Number(match[2]) };
}

/** The first nameserver of /etc/resolv.conf, the pod's own resolver before the sidecar's. */
function systemResolver(): string | undefined {
  try {
    const line = /^nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'));
    return line?.[1] ? `${line[1]}:53` : undefined;
  } catch {
    return undefined;
  }
}

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
    'log-level': Flags.string({
      description: 'least level logged',
      options: [...LOG_LEVELS],
      default: 'info',
    }),
    kubeconfig: kubeFlags.kubeconfig,
    context: kubeFlags.context,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Proxy);
    const dns = hostPort(flags['dns-address'], 'dns-address');
    // In a CCI pod the resolver in /etc/resolv.conf is this proxy itself: never forward to it.
    const system = systemResolver();
    const upstream = flags['upstream-dns'] ?? (system?.startsWith(`${dns.host}:`) ? undefined : system);
    if (upstream) hostPort(upstream.includes(':') ? upstream : `${upstream}:53`, 'upstream-dns');
    const log = jsonLogger(flags['log-level'] as (typeof LOG_LEVELS)[number]);
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    const reserved = flags['reserved-ports'] ? flags['reserved-ports'].split(',').map((p) => p.trim()) : [];
    if (reserved.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535))
      throw new UsageError(
        `--reserved-ports must be port numbers separated by commas, not "${flags['reserved-ports']}"`,
      );
    const kubeconfigFile = flags.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0];
    const load = () => loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
    const proxy = await runProxy({
      kc: load(),
      reservedPorts: reserved.map(Number),
      reloadKubeConfig: kubeconfigFile
        ? {
            signature: () => {
              try {
                const stat = statSync(kubeconfigFile);
                return `${stat.mtimeMs}:${stat.size}`;
              } catch {
                return 'missing';
              }
            },
            load,
            intervalMs: parseDuration(flags['reload-interval']),
          }
        : undefined,
      dns,
      clusterDomain: flags['cluster-domain'],
      upstreamDns: upstream && !upstream.includes(':') ? `${upstream}:53` : upstream,
      statusPort: flags['status-port'],
      log,
    });
    await stopped;
    await proxy.stop();
  }
}
