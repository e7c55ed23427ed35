// What the runtime prepares in CCI before it moves a pod there: the burst namespace and, in it, a
// Network on the cluster's node subnet (or the configured one), Active. The Network is built as
// CCI 1.0 documents it (huaweicloudDocs/cci `cn.zh-cn/API 参考/创建Network.md`, checked against
// terraform-provider-huaweicloud's cci_network, ../shared/reference/huawei-cloud-2.md §1):
// - annotations: the default security group, the project ID and the account's domain ID, which
//   CCI requires (400 CCI.01.400202 without the project ID). The docs spell the last two with a
//   hyphen, Terraform with an underscore; both are sent, since an annotation CCI does not read is
//   harmless and a missing one is a refusal;
// - spec: networkType underlay_neutron, attachedVPC (the subnet's VPC) and networkID (the VPC API's
//   subnet ID). cidr and subnetID are left to CCI, which computes them from the subnet (Terraform
//   reads them back); availableZone is optional (GSDK commit ac6a27d) and not sent.
// A new Network goes Initializing -> Pending -> Active; CCI takes pods once it is Active.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CciApi, CciNetwork } from '../cloud/cci.js';
import type { CloudSession } from '../cloud/session.js';
import { ConfigError } from '../errors.js';
import type { ProviderConfig } from './config.js';
import type { Logger } from './logger.js';

export const NETWORK_NAME = 'vkctl-network';
const NETWORK_ANNOTATION = 'network.alpha.kubernetes.io';

export interface NetworkWait {
  timeoutMs: number;
  pollMs: number;
}

const DEFAULT_WAIT: NetworkWait = { timeoutMs: 300_000, pollMs: 1_000 };

/** The Network this runtime asks CCI for: the body the docs describe, nothing CCI computes. */
export async function desiredNetwork(session: CloudSession, config: ProviderConfig): Promise<CciNetwork> {
  const project = await session.project();
  const cluster = await (await session.cce()).cluster(config.clusterId);
  const { vpc, subnet: nodeSubnet, SecurityGroup } = cluster.spec.hostNetwork;
  const subnets = await (await session.vpc()).subnets(vpc);
  const subnet = config.subnetId
    ? subnets.find((s) => s.neutron_subnet_id === config.subnetId || s.id === config.subnetId)
    : subnets.find((s) => s.id === nodeSubnet);
  if (!subnet) throw new ConfigError(`subnet ${config.subnetId || nodeSubnet} not found in VPC ${vpc}`);
  const securityGroup = config.securityGroupId || SecurityGroup;
  if (!securityGroup) {
    throw new ConfigError(
      `no security group for CCI pods: CCE cluster ${config.clusterId} names no node security group (spec.hostNetwork.SecurityGroup); set one with --set securityGroupId=ID`,
    );
  }
  return {
    metadata: {
      name: NETWORK_NAME,
      annotations: {
        [`${NETWORK_ANNOTATION}/default-security-group`]: securityGroup,
        [`${NETWORK_ANNOTATION}/project-id`]: project.id,
        [`${NETWORK_ANNOTATION}/project_id`]: project.id,
        [`${NETWORK_ANNOTATION}/domain-id`]: project.domainId,
        [`${NETWORK_ANNOTATION}/domain_id`]: project.domainId,
      },
    },
    spec: { networkType: 'underlay_neutron', attachedVPC: subnet.vpc_id, networkID: subnet.id },
  };
}

/** Waits until a Network of the namespace is Active, logging each state it passes through. */
export async function waitForActiveNetwork(
  cci: CciApi,
  namespace: string,
  log: Logger,
  wait: NetworkWait = DEFAULT_WAIT,
): Promise<CciNetwork> {
  const deadline = Date.now() + wait.timeoutMs;
  let seen = '';
  for (;;) {
    const networks = await cci.networks(namespace);
    const active = networks.find((n) => n.status?.state === 'Active');
    if (active) return active;
    const ours = networks.find((n) => n.metadata?.name === NETWORK_NAME) ?? networks[0];
    const state = ours?.status?.state || 'not created';
    const message = ours?.status?.message ? `: ${ours.status.message}` : '';
    if (state + message !== seen) {
      log.info('waiting for the CCI Network to become Active', { namespace, state, message });
      seen = state + message;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `CCI Network ${ours?.metadata?.name ?? NETWORK_NAME} in ${namespace} is still ${state}${message} after ${wait.timeoutMs / 1000} s; CCI takes no pod before it is Active`,
      );
    }
    await sleep(wait.pollMs);
  }
}

/** The namespace and an Active Network in it; returns the CCI client the runtime then uses. */
export async function prepareCci(
  session: CloudSession,
  config: ProviderConfig,
  log: Logger,
): Promise<CciApi> {
  const cci = await session.cci();
  if (await cci.ensureNamespace(config.cciNamespace))
    log.info('created the CCI namespace', { namespace: config.cciNamespace });
  const existing = await cci.networks(config.cciNamespace);
  if (existing.length === 0) {
    await cci.ensureNetwork(config.cciNamespace, await desiredNetwork(session, config));
    log.info('created the CCI Network', { namespace: config.cciNamespace, network: NETWORK_NAME });
  }
  await waitForActiveNetwork(cci, config.cciNamespace, log);
  return cci;
}
