// The add-on templates the emulated CCE offers, and which of their versions a cluster may run.
// Sources: huaweicloudDocs/cce @99b4f7e `cn.zh-cn/API参考/查询AddonTemplates列表.md` (shape, coredns
// example, "clusterVersion: 支持的集群版本（正则表达式）" with values like "v1.13.*", clusterType
// VirtualMachine/BareMetal/ARM64); the virtual-kubelet values: `virtual-kubelet.md` (old, CCE-API-OLD)
// and support.huaweicloud.com api-cce/cce_02_0367 (2025, CCE-API-NEW); versions and their cluster
// ranges: REF §1.1 (1.5.27 on v1.21–v1.31 [CCE-BULLETIN-47], no Arm clusters up to 1.5.37
// [CCE-UG-NEW]; 1.5.75 and 1.5.82 seen in the field). Each seeded range beyond those is the
// emulator's assumption, chosen so that the default cluster (v1.33) is offered 1.5.75 and 1.5.82
// but not 1.5.27.
import type { CceCluster } from './state.js';
import type { AddonSupportVersion, AddonTemplate, AddonVersion } from './cce-addon-state.js';
import { invalid } from './cce-addon-values.js';

const SEEDED_AT = '2025-01-01T00:00:00Z';

/**
 * virtual-kubelet's install defaults. Keys of `basic` and `custom` per CCE-API-NEW (basic: cluster_id,
 * cluster_name, vpc_id, network_id, project_id; custom: isInstallProxy (String), subnet_id, subnets,
 * podDisruptionBudget), swr_addr/swr_user per CCE-API-OLD. The flavor's defaults (Single-instance,
 * 1 replica, 250m/512Mi for container "virtual-kubelet") per CCE-API-OLD; that the template offers
 * it as `parameters.flavor1` follows the coredns example (flavor1..4), an assumption for this add-on.
 * podDisruptionBudget only from 1.5.75 on: an assumption, so that versions' inputs differ.
 */
function virtualKubeletInput(withPdb: boolean): AddonVersion['input'] {
  return {
    basic: {
      cluster_id: '',
      cluster_name: '',
      vpc_id: '',
      network_id: '',
      project_id: '',
      swr_addr: '',
      swr_user: 'hwofficial',
    },
    parameters: {
      custom: {
        isInstallProxy: 'false',
        subnet_id: '',
        subnets: [],
        ...(withPdb ? { podDisruptionBudget: { create: false, maxUnavailable: 1 } } : {}),
      },
      flavor1: {
        name: 'Single-instance',
        replicas: 1,
        description: 'virtual-kubelet single instance',
        resources: [
          {
            name: 'virtual-kubelet',
            requestsCpu: '250m',
            limitsCpu: '250m',
            requestsMem: '512Mi',
            limitsMem: '512Mi',
          },
        ],
      },
    },
  };
}

function version(
  v: string,
  input: AddonVersion['input'],
  supportVersions: AddonSupportVersion[],
): AddonVersion {
  return {
    version: v,
    input,
    stable: true,
    translate: {},
    supportVersions,
    creationTimestamp: SEEDED_AT,
    updateTimestamp: SEEDED_AT,
  };
}

/** Fresh copies of the seeded templates: virtual-kubelet, and coredns (the docs' own example). */
export function defaultAddonTemplates(): AddonTemplate[] {
  const upTo = (clusters: string[], arm: boolean): AddonSupportVersion[] => [
    { clusterType: 'VirtualMachine', clusterVersion: clusters },
    ...(arm ? [{ clusterType: 'ARM64', clusterVersion: clusters }] : []),
  ];
  return [
    {
      kind: 'Addon',
      apiVersion: 'v3',
      metadata: {
        uid: 'virtual-kubelet',
        name: 'virtual-kubelet',
        creationTimestamp: SEEDED_AT,
        updateTimestamp: SEEDED_AT,
      },
      spec: {
        type: 'helm',
        require: false,
        labels: ['ElasticScaling'],
        logoURL: '',
        readmeURL: '',
        description: 'CCE Cloud Bursting Engine for CCI',
        versions: [
          version('1.5.27', virtualKubeletInput(false), upTo(['v1.2[1-9].*', 'v1.3[01].*'], false)),
          version('1.5.75', virtualKubeletInput(true), upTo(['v1.2[5-9].*', 'v1.3[0-3].*'], true)),
          version('1.5.82', virtualKubeletInput(true), upTo(['v1.2[5-9].*', 'v1.3[0-4].*'], true)),
        ],
      },
    },
    {
      kind: 'Addon',
      apiVersion: 'v3',
      metadata: { uid: 'coredns', name: 'coredns', creationTimestamp: SEEDED_AT, updateTimestamp: SEEDED_AT },
      spec: {
        type: 'helm',
        require: true,
        labels: ['ServiceDiscovery'],
        logoURL: '',
        readmeURL: '',
        description: 'CoreDNS is a DNS server that chains plugins and provides Kubernetes DNS Services',
        versions: [
          version(
            '1.30.6',
            {
              basic: {
                cluster_ip: '10.247.3.10',
                platform: 'linux-amd64',
                swr_addr: '',
                swr_user: 'hwofficial',
              },
              parameters: { custom: { stub_domains: '', upstream_nameservers: '' } },
            },
            upTo(['v1.*'], true),
          ),
        ],
      },
    },
  ];
}

/**
 * Whether a version may run on the cluster: a SupportVersions entry for the cluster's type whose
 * regular expression matches the cluster's version. Anchored at both ends (the docs give no anchor:
 * the stricter reading), and a version with no supportVersions is offered to no cluster.
 */
export function versionSupportsCluster(version: AddonVersion, cluster: CceCluster): boolean {
  return (version.supportVersions ?? []).some(
    (s) =>
      s.clusterType === cluster.spec.type &&
      s.clusterVersion.some((pattern) => {
        try {
          return new RegExp(`^(?:${pattern})$`).test(cluster.spec.version);
        } catch {
          return false;
        }
      }),
  );
}

/** Numeric dotted versions ("1.5.82"), part by part. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * The template list's query: DOCS 查询AddonTemplates列表.md documents addon_template_name alone;
 * huaweicloud-sdk-go-v3 ListAddonTemplatesRequest adds cluster_id and version (emulated above) and
 * newest ("是否获取最新插件") and base_update_addon_version ("可接受的最低升级版本"), all four marked
 * "隐藏参数" (hidden). What the last two select is not said, so they are refused rather than guessed
 * at (stricter: nothing may rely on an emulated guess), and so is any parameter no source names.
 */
export function refuseTemplateQuery(query: URLSearchParams): void {
  for (const key of query.keys()) {
    if (key === 'newest' || key === 'base_update_addon_version')
      throw invalid(`query parameter ${key} is not emulated: its meaning is not documented`);
    if (!['addon_template_name', 'cluster_id', 'version'].includes(key))
      throw invalid(`unknown query parameter ${key}`);
  }
}
