// The runtime's configuration: the YAML that install puts in the vkctl-provider-config ConfigMap
// (see addon/render.ts providerConfig), and the CCI credentials from the environment
// (HUAWEICLOUD_SDK_AK/SK, from the vkctl-cci-credentials Secret).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { AddonValues } from '../shared/config-contract.js';
import { burstNamespace } from '../cloud/cci.js';
import { parseDuration } from '../duration.js';
import { ConfigError, UsageError, firstLine } from '../errors.js';

/** The add-on values the runtime needs, and what its virtual node offers the scheduler. */
export type ProviderConfig = Pick<
  AddonValues,
  | 'region'
  | 'projectId'
  | 'clusterId'
  | 'cciNamespace'
  | 'subnetId'
  | 'securityGroupId'
  | 'nodeName'
  | 'interconnect'
  | 'endpoints'
> & {
  capacity: { cpu: string; memory: string; pods: string };
  /** With interconnect: the sidecar's image, the add-on's namespace (its ServiceAccount's), DNS. */
  proxy?: { image: string; namespace: string; clusterDomain: string; upstreamDns: string };
};

const DEFAULT_CAPACITY = { cpu: '2000', memory: '4Ti', pods: '1000' };

export function loadProviderConfig(file: string): ProviderConfig {
  let raw: Partial<ProviderConfig>;
  try {
    raw = (parse(readFileSync(file, 'utf8')) ?? {}) as Partial<ProviderConfig>;
  } catch (error) {
    throw new ConfigError(
      `provider config ${file}: ${(error as NodeJS.ErrnoException).code ?? firstLine(error)}`,
      { cause: error },
    );
  }
  for (const key of ['region', 'clusterId', 'nodeName'] as const) {
    if (!raw[key]) throw new ConfigError(`provider config ${file}: ${key} is required`);
  }
  return {
    region: raw.region ?? '',
    projectId: raw.projectId ?? '',
    clusterId: raw.clusterId ?? '',
    cciNamespace: raw.cciNamespace || burstNamespace(raw.clusterId ?? ''),
    subnetId: raw.subnetId ?? '',
    securityGroupId: raw.securityGroupId ?? '',
    nodeName: raw.nodeName ?? '',
    interconnect: raw.interconnect ?? false,
    ...(raw.proxy ? { proxy: raw.proxy } : {}),
    endpoints: raw.endpoints ?? {},
    capacity: { ...DEFAULT_CAPACITY, ...raw.capacity },
  };
}

/** The webhook's certificate, when the directory has one (it does in the installed Deployment). */
export function readWebhookCertificate(
  dir: string,
  port: number,
): { cert: string; key: string; port: number } | undefined {
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), port };
}

/** How the kubelet API is served: a given certificate, or one from the cluster (renewed). */
export interface KubeletServing {
  cert?: string;
  key?: string;
  clientCa: string;
  host?: string;
  /** The add-on's CA, to issue the certificate where the cluster does not sign kubelet-serving CSRs. */
  fallbackCa?: { cert: string; key: string };
  /** For a certificate from the cluster: the share of its lifetime after which it is renewed. */
  renewAt?: number;
  validitySeconds?: number;
}

/** The kubelet API's serving certificate and the CA of its clients; a clear error when missing. */
function readForKubelet(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `kubelet API: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: error },
    );
  }
}

/**
 * How the kubelet API is served: with the certificate in `certDir`, with one the cluster issues
 * (`fromCluster`: a kubelet-serving CSR), or not at all. Client certificates are checked against
 * the CA in `clientCaFile`.
 */
export function kubeletServing(options: {
  certDir?: string;
  fromCluster: boolean;
  clientCaFile: string;
  /** Lifetime a CSR asks for ("720h"), and the share of it after which it is renewed ("0.8"). */
  certValidity?: string;
  certRenewAt?: string;
  /** Holds the add-on's ca.crt and ca.key (the vkctl-webhook-tls Secret); used only if present. */
  fallbackCaDir?: string;
}): KubeletServing | undefined {
  if (!options.certDir && !options.fromCluster) return undefined;
  const renewAt = Number(options.certRenewAt ?? '0.8');
  if (!(renewAt > 0 && renewAt < 1))
    throw new UsageError(`must be a fraction between 0 and 1, not "${options.certRenewAt}"`, {
      advice: { option: 'kubeletCertRenewAt' },
    });
  const validitySeconds = Math.round(
    parseDuration(options.certValidity ?? '720h', 'kubeletCertValidity') / 1000,
  );
  if (validitySeconds < 600)
    throw new UsageError('must be at least 10m (the shortest a CSR may ask for)', {
      advice: { option: 'kubeletCertValidity' },
    });
  const fallback = options.fallbackCaDir
    ? [path.join(options.fallbackCaDir, 'ca.crt'), path.join(options.fallbackCaDir, 'ca.key')]
    : [];
  const [fallbackCert, fallbackKey] = fallback;
  return {
    renewAt,
    validitySeconds,
    ...(fallbackCert && fallbackKey && existsSync(fallbackCert) && existsSync(fallbackKey)
      ? { fallbackCa: { cert: readForKubelet(fallbackCert), key: readForKubelet(fallbackKey) } }
      : {}),
    clientCa: readForKubelet(options.clientCaFile),
    ...(options.certDir
      ? {
          cert: readForKubelet(path.join(options.certDir, 'tls.crt')),
          key: readForKubelet(path.join(options.certDir, 'tls.key')),
        }
      : {}),
  };
}
