// `vkctl proxy`'s command line read into ProxyOptions: addresses, the upstream resolver (never the
// proxy itself, which is what /etc/resolv.conf names in a CCI pod), reserved ports, and how to
// notice that the kubeconfig was rewritten (a refreshed token).
import { readFileSync } from 'node:fs';
import { parseDuration } from '../../duration.js';
import { UsageError } from '../../errors.js';
import { loadKubeConfig } from '../../kube/kubeconfig.js';
import type { Logger } from '../logger.js';
import { filesSignature, followedKubeconfigFiles } from './kubeconfig-reload.js';
import type { ProxyOptions } from './proxy.js';

export interface ProxyFlags {
  dnsAddress: string;
  clusterDomain: string;
  upstreamDns?: string;
  statusPort: number;
  reservedPorts: string;
  reloadInterval: string;
  kubeconfig?: string;
  context?: string;
}

/** host:port, with the port required. */
function hostPort(value: string, option: string): { host: string; port: number } {
  const match = /^([^:]+):(\d+)$/.exec(value);
  if (!match) throw new UsageError(`must be host:port, not "${value}"`, { advice: { option } });
  return { host: match[1] ?? '', port: Number(match[2]) };
}

/** The first nameserver of /etc/resolv.conf. */
function systemResolver(): string | undefined {
  try {
    const line = /^nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'));
    return line?.[1] ? `${line[1]}:53` : undefined;
  } catch {
    return undefined;
  }
}

/** The options to run the proxy with; a UsageError (one line) for a bad flag, before anything starts. */
export function proxySettings(flags: ProxyFlags, log: Logger): ProxyOptions {
  const dns = hostPort(flags.dnsAddress, 'dnsAddress');
  const system = systemResolver();
  const given = flags.upstreamDns ?? (system?.startsWith(`${dns.host}:`) ? undefined : system);
  const upstream = given && !given.includes(':') ? `${given}:53` : given;
  if (upstream) hostPort(upstream, 'upstreamDns');
  const reserved = flags.reservedPorts ? flags.reservedPorts.split(',').map((p) => p.trim()) : [];
  if (reserved.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535))
    throw new UsageError(`must be port numbers separated by commas, not "${flags.reservedPorts}"`, {
      advice: { option: 'reservedPorts' },
    });
  const intervalMs = parseDuration(flags.reloadInterval, 'reloadInterval');
  // Every file the kubeconfig is merged from: a refreshed token may be in any of them.
  const followed = followedKubeconfigFiles(flags.kubeconfig);
  const load = () => loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
  return {
    kc: load(),
    dns,
    clusterDomain: flags.clusterDomain,
    upstreamDns: upstream,
    statusPort: flags.statusPort,
    reservedPorts: reserved.map(Number),
    reloadKubeConfig:
      followed.length > 0 ? { signature: () => filesSignature(followed), load, intervalMs } : undefined,
    log,
  };
}
