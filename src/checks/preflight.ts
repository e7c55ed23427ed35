// `vkctl doctor --pre`: what must hold before install. Mirrors the add-on's constraints
// (../shared/seed/): VPC network mode, no overlap with 10.247.0.0/16, CCI authorized, a supported
// Kubernetes version, enough rights, and nothing already in the way.
import { otherInstallMessage, otherInstallNamespace } from '../addon/other-install.js';
import { INSTALL_PERMISSIONS, type Permission } from '../addon/permissions.js';
import { burstNamespace, CCI_NAMESPACE_QUOTA, isCciNotAuthorized } from '../cloud/cci.js';
import { CCI_AGENCY } from '../cloud/iam.js';
import { MANAGED_ADDON_TEMPLATE } from '../cloud/cce.js';
import type { Check } from './check.js';
import type { CheckContext } from './context.js';
import { CCI_SERVICE_CIDR, cidrsOverlap } from './cidr.js';
import { kubernetesChecks } from './kubernetes-checks.js';
import { cloudAccessChecks } from './cloud-checks.js';
import { unlessNotFound } from '../kube/errors.js';

const DOCS = {
  network: 'https://support.huaweicloud.com/intl/en-us/usermanual-cce/cce_10_0135.html',
  cciAuth: 'https://support.huaweicloud.com/intl/en-us/usermanual-cci/cci_01_0116.html',
  rbac: 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/',
  cciQuota: 'https://support.huaweicloud.com/intl/en-us/usermanual-cci/cci_01_0001.html',
};

/** Passes with the ranges checked, or fails naming each one that overlaps 10.247.0.0/16. */
function overlapReport(ranges: [string, string][]): string {
  const clashes = ranges.filter(([, cidr]) => cidrsOverlap(cidr, CCI_SERVICE_CIDR));
  if (clashes.length > 0) {
    throw new Error(
      `overlapping ${CCI_SERVICE_CIDR}: ${clashes.map(([what, cidr]) => `${what} ${cidr}`).join(', ')}`,
    );
  }
  return `${ranges.length} range(s) checked: ${ranges.map(([, cidr]) => cidr).join(', ')}`;
}

/** The node subnet and, on CCE Turbo, the ENI subnets, as [what, CIDR]. */
async function clusterSubnets(ctx: CheckContext): Promise<[string, string][]> {
  const cluster = await ctx.cceCluster();
  const vpc = await ctx.cloud().vpc();
  const nodeSubnet = await vpc.subnet(cluster.spec.hostNetwork.subnet);
  const ranges: [string, string][] = [[`node subnet ${nodeSubnet.name}`, nodeSubnet.cidr]];
  const eniSubnetIds = [
    ...(cluster.spec.eniNetwork?.subnets ?? []).map((s) => s.subnetID),
    ...(cluster.spec.eniNetwork?.eniSubnetId ? [cluster.spec.eniNetwork.eniSubnetId] : []),
  ];
  if (eniSubnetIds.length > 0) {
    // ENI subnets are given by Neutron subnet ID; the VPC API finds them among the VPC's subnets.
    const all = await vpc.subnets(cluster.spec.hostNetwork.vpc);
    for (const id of new Set(eniSubnetIds)) {
      const subnet = all.find((s) => s.neutron_subnet_id === id || s.id === id);
      if (!subnet) throw new Error(`ENI subnet ${id} not found in VPC ${cluster.spec.hostNetwork.vpc}`);
      ranges.push([`ENI subnet ${subnet.name}`, subnet.cidr]);
    }
  }
  if (cluster.spec.eniNetwork?.eniSubnetCIDR)
    ranges.push(['ENI subnet CIDR', cluster.spec.eniNetwork.eniSubnetCIDR]);
  return ranges;
}

export const PREFLIGHT_CHECKS: readonly Check[] = [
  ...kubernetesChecks,
  {
    id: 'rbac',
    category: 'kubernetes',
    description: 'you may create what install creates',
    severity: 'fatal',
    hint: `ask a cluster admin for these rights, or run as a cluster admin (${DOCS.rbac})`,
    needs: ['kube-api'],
    async run(ctx) {
      const allowed = async (p: Permission, verb: string, name: string | undefined) =>
        (
          await ctx.authorization().createSelfSubjectAccessReview({
            body: {
              spec: {
                resourceAttributes: {
                  group: p.group,
                  resource: p.resource,
                  verb,
                  namespace: p.namespaced ? ctx.settings.namespace : undefined,
                  name,
                },
              },
            },
          })
        ).status?.allowed === true;
      const reviews = INSTALL_PERMISSIONS.flatMap((p) =>
        p.verbs.map(async (verb) => {
          // A signer is also granted by its domain's wildcard ("kubernetes.io/*"), as the
          // CertificateApproval admission plugin accepts it.
          const granted =
            (await allowed(p, verb, p.name)) ||
            (p.resource === 'signers' && !!p.name && (await allowed(p, verb, `${p.name.split('/')[0]}/*`)));
          return granted
            ? undefined
            : `${verb} ${p.group ? `${p.resource}.${p.group}` : p.resource}${p.name ? `/${p.name}` : ''}`;
        }),
      );
      const missing = (await Promise.all(reviews)).filter((m): m is string => m !== undefined);
      if (missing.length > 0) throw new Error(`not allowed: ${missing.join(', ')}`);
      return `all ${reviews.length} permissions granted`;
    },
  },
  ...cloudAccessChecks,
  {
    id: 'cce-cluster',
    category: 'huawei-cloud',
    description: 'the CCE cluster exists and is Available',
    severity: 'fatal',
    hint: 'check the cluster ID (--cluster-id or VKCTL_CLUSTER_ID) and wait until the cluster is Available',
    needs: ['iam-auth'],
    async run(ctx) {
      const cluster = await ctx.cceCluster();
      if (cluster.status.phase !== 'Available')
        throw new Error(`cluster ${cluster.metadata.name} is ${cluster.status.phase}`);
      return `cluster ${cluster.metadata.name} (${cluster.spec.version ?? 'unknown version'}) is Available`;
    },
  },
  {
    id: 'network-mode',
    category: 'huawei-cloud',
    description: 'the container network is VPC (vpc-router) or Cloud Native 2.0 (eni)',
    severity: 'fatal',
    hint: `bursting needs a cluster in VPC network mode; tunnel (overlay_l2) clusters cannot use it: create one in VPC mode (${DOCS.network})`,
    needs: ['cce-cluster'],
    async run(ctx) {
      const mode = (await ctx.cceCluster()).spec.containerNetwork.mode;
      if (mode === 'vpc-router') return 'VPC network (vpc-router)';
      if (mode === 'eni') return 'Cloud Native 2.0 network (eni): supported, CCE Turbo';
      throw new Error(`network mode is ${mode}: only clusters in VPC network mode are supported`);
    },
  },
  {
    id: 'subnet-overlap',
    category: 'huawei-cloud',
    description: `no cluster subnet overlaps ${CCI_SERVICE_CIDR}`,
    severity: 'fatal',
    hint: `${CCI_SERVICE_CIDR} is the Service CIDR of CCI namespaces; the add-on cannot be used in a cluster whose subnets overlap it (${DOCS.network})`,
    needs: ['cce-cluster'],
    async run(ctx) {
      return overlapReport(await clusterSubnets(ctx));
    },
  },
  {
    id: 'cidr-overlap',
    category: 'huawei-cloud',
    description: `the cluster's Service and container CIDRs do not overlap ${CCI_SERVICE_CIDR}`,
    // A warning only: the add-on's constraint names the cluster's subnets, and CCE clusters are
    // reported to use 10.247.0.0/16 as their Service CIDR by default (not verified).
    severity: 'warning',
    hint: `CCI pods resolve ClusterIPs of their own namespace in ${CCI_SERVICE_CIDR}; an overlapping Service CIDR can make interconnect reach the wrong Service`,
    needs: ['cce-cluster'],
    async run(ctx) {
      const cluster = await ctx.cceCluster();
      const ranges: [string, string][] = [];
      if (cluster.spec.kubernetesSvcIpRange) ranges.push(['Service CIDR', cluster.spec.kubernetesSvcIpRange]);
      const containerCidrs = cluster.spec.containerNetwork.cidrs?.map((c) => c.cidr) ?? [];
      if (cluster.spec.containerNetwork.cidr) containerCidrs.push(cluster.spec.containerNetwork.cidr);
      for (const cidr of new Set(containerCidrs)) ranges.push(['container CIDR', cidr]);
      return overlapReport(ranges);
    },
  },
  {
    id: 'cci-authorized',
    category: 'huawei-cloud',
    description: 'CCI is authorized for this account (CCI’s own answer)',
    severity: 'fatal',
    hint: `open the CCI console in this region once and agree to authorize it, which creates the agency ${CCI_AGENCY} (${DOCS.cciAuth})`,
    needs: ['cci-reachable'],
    async run(ctx) {
      // CCI itself says so (401 CCI.01.401102 or 404 CCI.01.404101, CCI API reference 错误码):
      // unlike IAM's agency list, this needs no IAM read rights.
      try {
        const namespaces = await ctx.cciNamespaces();
        return `CCI accepts this account (${namespaces.items.length} namespace(s) in the project)`;
      } catch (error) {
        if (isCciNotAuthorized(error)) throw new Error(error.message, { cause: error });
        throw error;
      }
    },
  },
  {
    id: 'cci-namespace-quota',
    category: 'huawei-cloud',
    description: `the burst namespace exists in CCI, or the account may create one (${CCI_NAMESPACE_QUOTA} per region)`,
    severity: 'fatal',
    hint: `CCI allows ${CCI_NAMESPACE_QUOTA} namespaces per region per account (${DOCS.cciQuota}): delete one the account no longer needs, ask Huawei Cloud for more, or install into one of them with \`vkctl install --set cciNamespace=NAME\` (namespaces of the account's other projects in the region count too)`,
    needs: ['cci-authorized'],
    async run(ctx) {
      const name = ctx.settings.cciNamespace ?? burstNamespace(ctx.cloud().clusterId);
      const names = (await ctx.cciNamespaces()).items.map((n) => n.metadata?.name ?? '');
      // CCI lists this project's namespaces only; the quota is the account's in the region, so
      // other projects' namespaces count too and cannot be seen from here.
      const used = `${names.length} of ${CCI_NAMESPACE_QUOTA} used in this project`;
      if (names.includes(name)) return `${name} exists in this account (${used})`;
      if (names.length >= CCI_NAMESPACE_QUOTA)
        throw new Error(`${used} (${names.join(', ')}): no room for ${name}`);
      // A name another account holds cannot be seen (CCI answers 404 for it) nor tried without
      // creating it (CCI documents no dry run): the runtime reports it (CCI.02.409101) when it starts.
      return `${used}; ${name} will be created by the runtime (a name another account holds shows only then)`;
    },
  },
  {
    id: 'release-absent',
    category: 'conflicts',
    description: 'vkctl is not installed yet',
    severity: 'fatal',
    hint: 'vkctl is already installed here: use `vkctl upgrade`, or `vkctl uninstall` first',
    needs: ['kube-api'],
    async run(ctx) {
      const release = await ctx.release();
      if (release)
        throw new Error(
          `release revision ${release.revision} (version ${release.version}) is installed in ${ctx.settings.namespace}`,
        );
      return `no release in namespace ${ctx.settings.namespace}`;
    },
  },
  {
    id: 'single-install',
    category: 'conflicts',
    description: 'vkctl is not installed in another namespace',
    severity: 'fatal',
    hint: 'one vkctl per cluster: upgrade or uninstall the one that is there (-n <its namespace>)',
    needs: ['kube-api'],
    async run(ctx) {
      const owner = await otherInstallNamespace(ctx.kubeConfig(), ctx.settings.namespace);
      if (owner) throw new Error(otherInstallMessage(owner));
      return 'no vkctl webhook points elsewhere';
    },
  },
  {
    id: 'managed-addon-absent',
    category: 'conflicts',
    description: `Huawei's managed ${MANAGED_ADDON_TEMPLATE} add-on is not installed`,
    severity: 'fatal',
    hint: `uninstall the CCE ${MANAGED_ADDON_TEMPLATE} add-on (console: Add-ons > ${MANAGED_ADDON_TEMPLATE} > Uninstall) before installing vkctl`,
    needs: ['cce-cluster'],
    async run(ctx) {
      const addons = await (await ctx.cloud().cce()).addons(ctx.cloud().clusterId);
      const managed = addons.find((a) => a.spec.addonTemplateName === MANAGED_ADDON_TEMPLATE);
      if (managed)
        throw new Error(
          `add-on ${MANAGED_ADDON_TEMPLATE} ${managed.spec.version} is installed in this cluster`,
        );
      return `${addons.length} add-on(s), none of them ${MANAGED_ADDON_TEMPLATE}`;
    },
  },
  {
    id: 'node-name-free',
    category: 'conflicts',
    description: 'no node already has the virtual node’s name',
    severity: 'fatal',
    hint: 'a node with this name exists and is not vkctl’s: remove it, or choose another name (--node-name)',
    needs: ['kube-api'],
    async run(ctx) {
      const name = ctx.settings.nodeName;
      const node = await unlessNotFound(ctx.core().readNode({ name }));
      if (node) throw new Error(`node ${name} already exists`);
      return `no node named ${name}`;
    },
  },
];
