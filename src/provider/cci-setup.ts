// What the runtime prepares in CCI before it moves a pod there: the burst namespace and, in it, a
// Network on the cluster's node subnet (or the configured one), Active. The Network is built as
// CCI 1.0 documents it (huaweicloudDocs/cci `cn.zh-cn/API 参考/创建Network.md`, checked against
// terraform-provider-huaweicloud's cci_network, ../shared/reference/huawei-cloud-2.md §1):
// - annotations: the default security group, the project ID and the account's domain ID, which
//   CCI requires (400 CCI.01.400202 without the project ID). The docs spell the last two with a
//   hyphen, Terraform with an underscore; both are sent, since an annotation CCI does not read is
//   harmless and a missing one is a refusal;
// - spec: networkType underlay_neutron, attachedVPC (the subnet's VPC), networkID (the VPC API's
//   subnet ID) and subnetID (its Neutron subnet ID): the docs mark subnetID required, Terraform
//   leaves it to CCI to compute; the true value satisfies both readings. cidr is optional and left
//   to CCI; availableZone is optional (GSDK commit ac6a27d) and not sent: vkctl does not know it.
// A new Network goes Initializing -> Pending -> Active; CCI takes pods once it is Active.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CciApi, CciNetwork } from '../cloud/cci.js';
import type { CloudSession } from '../cloud/session.js';
import { CloudApiError, CloudUnreachableError } from '../cloud/http.js';
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
      `no security group for CCI pods: CCE cluster ${config.clusterId} names no node security group (spec.hostNetwork.SecurityGroup); set one as the add-on’s securityGroupId value`,
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
    spec: {
      networkType: 'underlay_neutron',
      attachedVPC: subnet.vpc_id,
      networkID: subnet.id,
      subnetID: subnet.neutron_subnet_id,
    },
  };
}

/** A failure that may pass (no answer, 429, 5xx): worth asking again before the deadline. */
function passing(error: unknown): boolean {
  return (
    error instanceof CloudUnreachableError ||
    (error instanceof CloudApiError && (error.status === 429 || error.status >= 500))
  );
}

/** States a Network passes through on its way to Active, or out of the way (TF cci_network). */
const ON_THE_WAY = ['', 'Initializing', 'Pending'];

/**
 * An Active Network in the namespace, created when there is none (or once one being deleted has
 * gone), waited for with each state logged. Failures that may pass are asked again until the
 * deadline; a state CCI names that is none of its known ones (a failed Network) ends the wait at
 * once, with CCI's message.
 */
export async function ensureActiveNetwork(
  cci: CciApi,
  namespace: string,
  desired: () => Promise<CciNetwork>,
  log: Logger,
  wait: NetworkWait = DEFAULT_WAIT,
): Promise<CciNetwork> {
  const deadline = Date.now() + wait.timeoutMs;
  let seen = '';
  const report = (state: string, message: string) => {
    if (state + message === seen) return;
    log.info('waiting for the CCI Network to become Active', { namespace, state, message });
    seen = state + message;
  };
  for (;;) {
    let state = 'not answered';
    let message = '';
    let name = NETWORK_NAME;
    try {
      const networks = await cci.networks(namespace);
      const active = networks.find((n) => n.status?.state === 'Active');
      if (active) return active;
      const ours = networks.find((n) => n.metadata?.name === NETWORK_NAME) ?? networks[0];
      if (!ours) {
        await cci.ensureNetwork(namespace, await desired());
        log.info('created the CCI Network', { namespace, network: NETWORK_NAME });
      }
      name = ours?.metadata?.name ?? NETWORK_NAME;
      state = ours ? (ours.status?.state ?? '') : 'Initializing';
      message = ours?.status?.message ? `: ${ours.status.message}` : '';
      if (!ON_THE_WAY.includes(state) && state !== 'Terminating') {
        throw new Error(
          `CCI Network ${name} in ${namespace} is ${state}${message}; delete it (vkctl creates a new one) or mend it in the CCI console`,
        );
      }
      // Terminating: it is going, and a new one is created once it has gone.
      report(state || 'created', message);
    } catch (error) {
      if (!passing(error)) throw error;
      message = `: ${(error as Error).message}`;
      report(state, message);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `CCI Network ${name} in ${namespace} is still ${state}${message} after ${wait.timeoutMs / 1000} s; CCI takes no pod before it is Active`,
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
  await ensureActiveNetwork(cci, config.cciNamespace, () => desiredNetwork(session, config), log);
  return cci;
}
