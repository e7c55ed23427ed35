// doctor's tables for Huawei's managed add-on (install --managed). Before install: the same cluster
// and cloud checks as for vkctl's own runtime (VPC network mode, 10.247.0.0/16, CCI authorized,
// namespace quota, nothing of vkctl's in the way), with CCE's template deciding the supported
// Kubernetes versions instead of vkctl's catalog. After install: the same cloud checks, the CCE
// instance's status (with CCE's reason), and the virtual node the add-on registers.
import { MANAGED_ADDON_TEMPLATE } from '../cloud/cce.js';
import { versionsFor } from '../cloud/cce-addon-versions.js';
import { MANAGED_NODE_NAMES } from '../addon/managed/node-names.js';
import { managedAddonState } from '../addon/managed/status.js';
import type { Check } from './check.js';
import { PREFLIGHT_CHECKS } from './preflight.js';
import { HEALTH_CHECKS } from './health.js';
import { unlessNotFound } from '../kube/errors.js';

const CCE_ADDONS_DOCS = 'https://support.huaweicloud.com/intl/en-us/usermanual-cce/cce_10_0135.html';

/** The checks of the own-runtime tables that hold for the managed add-on as they are. */
const SHARED_CLUSTER_CHECKS = [
  'kubeconfig',
  'kube-api',
  'cloud-config',
  'iam-auth',
  'cci-reachable',
  'cce-cluster',
  'network-mode',
  'subnet-overlap',
  'cidr-overlap',
  'cci-authorized',
  'cci-namespace-quota',
];

const pick = (table: readonly Check[], ids: readonly string[]) => table.filter((c) => ids.includes(c.id));

const versionOffered: Check = {
  id: 'managed-version-offered',
  category: 'cluster',
  description: `CCE offers a ${MANAGED_ADDON_TEMPLATE} add-on version for this cluster`,
  severity: 'fatal',
  hint: `CCE's add-on template decides which cluster versions it supports: upgrade the cluster, or see the add-on's version table (${CCE_ADDONS_DOCS})`,
  needs: ['cce-cluster'],
  async run(ctx) {
    const cluster = await ctx.cceCluster();
    const template = await (
      await ctx.cloud().cce()
    ).addon.template(MANAGED_ADDON_TEMPLATE, ctx.cloud().clusterId);
    const offered = template
      ? versionsFor(template, { type: cluster.spec.type, version: cluster.spec.version })
      : [];
    if (offered.length === 0)
      throw new Error(`none for ${cluster.spec.type ?? 'this cluster type'} ${cluster.spec.version ?? ''}`);
    return `${offered.map((v) => v.version).join(', ')} (newest first)`;
  },
};

export const MANAGED_PREFLIGHT_CHECKS: readonly Check[] = [
  ...pick(PREFLIGHT_CHECKS, [...SHARED_CLUSTER_CHECKS, 'release-absent', 'single-install']),
  versionOffered,
];

const addonRunning: Check = {
  id: 'managed-addon-running',
  category: 'add-on',
  description: `Huawei's ${MANAGED_ADDON_TEMPLATE} add-on is running in CCE`,
  severity: 'fatal',
  hint: `vkctl status shows CCE's reason; CCE console: Add-ons > ${MANAGED_ADDON_TEMPLATE}`,
  needs: ['release-present', 'iam-auth'],
  async run(ctx) {
    const record = await ctx.release();
    if (!record) throw new Error('no release recorded');
    const state = await managedAddonState(ctx.cloud(), record);
    if (state.error) throw new Error(`CCE could not be asked: ${state.error}`);
    if (!state.ready)
      throw new Error(`instance ${state.id} is ${state.status}${state.reason ? `: ${state.reason}` : ''}`);
    return `instance ${state.id} ${state.status}, version ${state.version}`;
  },
};

const virtualNodeReady: Check = {
  id: 'managed-virtual-node-ready',
  category: 'add-on',
  description: `the add-on's virtual node (${MANAGED_NODE_NAMES.join(' or ')}) is Ready`,
  severity: 'fatal',
  hint: 'kubectl describe node <name>; the add-on registers it once its pods run (kubectl -n kube-system get pods)',
  needs: ['managed-addon-running'],
  async run(ctx) {
    for (const name of MANAGED_NODE_NAMES) {
      const node = await unlessNotFound(ctx.core().readNode({ name }));
      if (!node) continue;
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True')
        throw new Error(`${name} is not Ready${ready?.message ? `: ${ready.message}` : ''}`);
      return `${name} Ready`;
    }
    throw new Error(`no node named ${MANAGED_NODE_NAMES.join(' or ')} is registered`);
  },
};

export const MANAGED_HEALTH_CHECKS: readonly Check[] = [
  ...pick(PREFLIGHT_CHECKS, SHARED_CLUSTER_CHECKS),
  ...pick(HEALTH_CHECKS, ['release-present']),
  addonRunning,
  virtualNodeReady,
];
