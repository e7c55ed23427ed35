// What the emulated Huawei Cloud account holds: users, AK/SK pairs, projects, agencies, CCE clusters,
// VPC subnets and CCE add-on instances. Tests change it directly (e.g. switch a cluster to overlay_l2)
// to drive doctor's checks. Field names follow the raw JSON of the real APIs (camelCase for CCE,
// snake_case for VPC and IAM), per ../shared/reference/huawei-cloud.md §2-3.
import { randomUUID } from 'node:crypto';
import {
  AddonFaults,
  DEFAULT_ADDON_TIMINGS,
  type AddonEntry,
  type AddonTemplate,
  type AddonTimings,
} from './cce-addon-state.js';
import { defaultAddonTemplates } from './cce-addon-templates.js';

export interface Agency {
  id: string;
  name: string;
  domain_id: string;
  trust_domain_id: string;
  trust_domain_name: string;
  description: string;
  duration: string;
  create_time: string;
}

export interface Account {
  domainId: string;
  domainName: string;
  users: { name: string; password: string; id: string }[];
  credentials: { accessKey: string; secretKey: string }[];
  agencies: Agency[];
}

export interface Project {
  id: string;
  /** Projects are named after their region, e.g. cn-north-4. */
  name: string;
  domainId: string;
}

export type ContainerNetworkMode = 'vpc-router' | 'eni' | 'overlay_l2';

export interface CceCluster {
  kind: 'Cluster';
  apiVersion: 'v3';
  metadata: { name: string; uid: string; creationTimestamp: string; annotations?: Record<string, string> };
  spec: {
    category: 'CCE' | 'Turbo';
    type: 'VirtualMachine' | 'ARM64';
    flavor: string;
    version: string;
    kubernetesSvcIpRange: string;
    hostNetwork: { vpc: string; subnet: string; SecurityGroup?: string };
    containerNetwork: { mode: ContainerNetworkMode; cidr?: string; cidrs?: { cidr: string }[] };
    eniNetwork?: { eniSubnetId?: string; eniSubnetCIDR?: string; subnets?: { subnetID: string }[] };
  };
  status: { phase: string; endpoints?: { url: string; type: 'Internal' | 'External' }[] };
}

export interface VpcSubnet {
  id: string;
  name: string;
  cidr: string;
  gateway_ip: string;
  vpc_id: string;
  status: 'ACTIVE' | 'UNKNOWN' | 'ERROR';
  neutron_network_id: string;
  neutron_subnet_id: string;
  dnsList: string[];
}

// Add-on instances and templates: their shapes and knobs live in cce-addon-state.ts.
export type { AddonInstance } from './cce-addon-state.js';

export interface IssuedToken {
  token: string;
  domainId: string;
  /** Set for project-scoped tokens. */
  projectId?: string;
  userId: string;
  expiresAt: Date;
}

export class EmulatorState {
  accounts: Account[] = [];
  projects: Project[] = [];
  /** Keyed by cluster ID; each cluster belongs to a project. */
  clusters = new Map<string, { projectId: string; cluster: CceCluster }>();
  subnets = new Map<string, { projectId: string; subnet: VpcSubnet }>();
  /** CCE add-on instances by their uid (tests may put one in directly, at rest: no transition). */
  addons = new Map<string, AddonEntry>();
  /** The add-on templates CCE offers (cce-addon-templates.ts); tests may add, change or replace them. */
  addonTemplates: AddonTemplate[] = defaultAddonTemplates();
  /** How long installing, upgrading and deleting last before the instance settles. */
  addonTimings: AddonTimings = { ...DEFAULT_ADDON_TIMINGS };
  /** Add-on operations that end in installFailed, upgradeFailed or deleteFailed (like faults.ts). */
  addonFaults = new AddonFaults();
  /** VPC security groups by ID (a CCI Network names one as its default security group). */
  securityGroups = new Map<string, { projectId: string; name: string }>();
  tokens = new Map<string, IssuedToken>();
  /**
   * CCI APIs a 1.19 apiserver has but CCI does not document, off as the docs show them: CCI-DOCS
   * 列出所有v1版本的API.md lists pods/exec and pods/log but no pods/attach, and 授权项分类.md has no
   * operation on metrics.k8s.io (列出APIGroups.md's example does name the group, with no path or
   * permission documented under it: the stricter reading is "not served"). Off, CCI answers 404.
   * Tests turn them on to check what vkctl does where CCI serves them.
   */
  cciUndocumented = { attach: false, metrics: false };
  /**
   * What CCI answers an account that has not authorized it: CCI-DOCS 错误码.md lists both 401
   * CCI.01.401102 ("user has no agency to cci") and 404 CCI.01.404101 ("no agency found for user")
   * without saying which call gives which, so tests can choose.
   */
  cciUnauthorizedCode: 'CCI.01.401102' | 'CCI.01.404101' = 'CCI.01.401102';

  accountByAccessKey(accessKey: string) {
    for (const account of this.accounts) {
      const credential = account.credentials.find((c) => c.accessKey === accessKey);
      if (credential) return { account, credential };
    }
    return undefined;
  }

  account(domainId: string): Account | undefined {
    return this.accounts.find((a) => a.domainId === domainId);
  }

  /** Removes the account's agencies, as if CCI had never been authorized; returns the undo. */
  revokeCciAuthorization(domainId: string): () => void {
    const account = this.account(domainId);
    if (!account) throw new Error(`no account ${domainId}`);
    const saved = account.agencies;
    account.agencies = [];
    return () => {
      account.agencies = saved;
    };
  }

  project(projectId: string): Project | undefined {
    return this.projects.find((p) => p.id === projectId);
  }

  /** Whether the account has authorized CCI: the agency CCI's console authorization creates. */
  cciAuthorized(domainId: string): boolean {
    return (this.account(domainId)?.agencies ?? []).some((a) => a.name === CCI_AGENCY_NAME);
  }

  /** The subnet a CCI Network refers to, by its VPC subnet ID (the Network's networkID). */
  subnetById(projectId: string, subnetId: string): VpcSubnet | undefined {
    const entry = this.subnets.get(subnetId);
    return entry?.projectId === projectId ? entry.subnet : undefined;
  }

  /** The subnet a CCI Network refers to, by its Neutron subnet ID. */
  subnetByNeutronId(projectId: string, neutronSubnetId: string): VpcSubnet | undefined {
    for (const entry of this.subnets.values()) {
      if (entry.projectId === projectId && entry.subnet.neutron_subnet_id === neutronSubnetId)
        return entry.subnet;
    }
    return undefined;
  }
}

/** The IDs and secrets of the default scenario, for tests to use. */
export interface Scenario {
  region: string;
  domainId: string;
  domainName: string;
  userName: string;
  password: string;
  accessKey: string;
  secretKey: string;
  projectId: string;
  clusterId: string;
  vpcId: string;
  /** VPC "network ID" of the node subnet (what CCE's hostNetwork.subnet holds). */
  subnetId: string;
  /** The same subnet's Neutron subnet ID (the add-on's "IPv4 subnet ID"). */
  neutronSubnetId: string;
  subnetCidr: string;
  /** The cluster's node security group (CCE's hostNetwork.SecurityGroup). */
  securityGroupId: string;
}

/** The agency the CCI console creates when a user authorizes CCI (../shared/reference/huawei-cloud.md). */
export const CCI_AGENCY_NAME = 'cci_admin_trust';

function hex32(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * One account in cn-north-4 with a healthy CCE cluster in VPC network mode (v1.33), a node subnet
 * 192.168.0.0/24 and CCI authorized. Tests start from this and change what they need.
 */
export function defaultScenario(state: EmulatorState): Scenario {
  const scenario: Scenario = {
    region: 'cn-north-4',
    domainId: hex32(),
    domainName: 'vkctl-test-account',
    userName: 'vkctl-test-user',
    password: `pw-${randomUUID()}`,
    accessKey: `AK${randomUUID().replaceAll('-', '').slice(0, 18).toUpperCase()}`,
    secretKey: randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', '').slice(0, 8),
    projectId: hex32(),
    clusterId: randomUUID(),
    vpcId: randomUUID(),
    subnetId: randomUUID(),
    neutronSubnetId: randomUUID(),
    subnetCidr: '192.168.0.0/24',
    securityGroupId: randomUUID(),
  };
  state.securityGroups.set(scenario.securityGroupId, {
    projectId: scenario.projectId,
    name: 'vkctl-test-cluster-cce-node-sg',
  });
  const now = new Date().toISOString();
  state.accounts.push({
    domainId: scenario.domainId,
    domainName: scenario.domainName,
    users: [{ name: scenario.userName, password: scenario.password, id: hex32() }],
    credentials: [{ accessKey: scenario.accessKey, secretKey: scenario.secretKey }],
    agencies: [
      {
        id: hex32(),
        name: CCI_AGENCY_NAME,
        domain_id: scenario.domainId,
        trust_domain_id: hex32(),
        trust_domain_name: 'op_svc_cci',
        description: 'created by CCI console authorization',
        duration: 'FOREVER',
        create_time: now,
      },
    ],
  });
  state.projects.push({ id: scenario.projectId, name: scenario.region, domainId: scenario.domainId });
  state.subnets.set(scenario.subnetId, {
    projectId: scenario.projectId,
    subnet: {
      id: scenario.subnetId,
      name: 'subnet-cce-nodes',
      cidr: scenario.subnetCidr,
      gateway_ip: '192.168.0.1',
      vpc_id: scenario.vpcId,
      status: 'ACTIVE',
      neutron_network_id: scenario.subnetId,
      neutron_subnet_id: scenario.neutronSubnetId,
      dnsList: ['100.125.1.250', '100.125.129.250'],
    },
  });
  state.clusters.set(scenario.clusterId, {
    projectId: scenario.projectId,
    cluster: {
      kind: 'Cluster',
      apiVersion: 'v3',
      metadata: { name: 'vkctl-test-cluster', uid: scenario.clusterId, creationTimestamp: now },
      spec: {
        category: 'CCE',
        type: 'VirtualMachine',
        flavor: 'cce.s1.small',
        version: 'v1.33',
        kubernetesSvcIpRange: '10.96.0.0/16',
        hostNetwork: {
          vpc: scenario.vpcId,
          subnet: scenario.subnetId,
          SecurityGroup: scenario.securityGroupId,
        },
        containerNetwork: { mode: 'vpc-router', cidr: '172.16.0.0/16', cidrs: [{ cidr: '172.16.0.0/16' }] },
      },
      status: { phase: 'Available' },
    },
  });
  return scenario;
}
