// What CCI 1.0 checks when a Network is created, and what it fills in. Sources:
// - CCI-DOCS: huaweicloudDocs/cci at e6d59a8, `cn.zh-cn/API 参考/创建Network.md` (the required
//   annotations, the spec, the answer with annotation network.alpha.kubernetes.io/type and state
//   Initializing) and `错误码.md` (CCI.01.400202 when the project id is missing from the annotations);
// - TF: terraform-provider-huaweicloud `resource_huaweicloud_cci_network.go`, which sends the
//   annotations spelled with underscores (domain_id, project_id), networkID = the VPC API subnet `id`,
//   availableZone only if given, and no cidr or subnetID (read back as computed), then waits through
//   Initializing and Pending to Active;
// - GSDK (chnsz/golangsdk) commit ac6a27d made availableZone optional.
// See ../shared/reference/huawei-cloud-2.md §1 "Network".
import { cciError } from './cci-errors.js';
import type { CciNetwork } from './cci-runtime.js';
import type { EmulatorState } from './state.js';

export const ANNOTATION = {
  securityGroup: 'network.alpha.kubernetes.io/default-security-group',
  /** CCI-DOCS spells these with a hyphen, TF with an underscore: both are accepted. */
  projectId: ['network.alpha.kubernetes.io/project-id', 'network.alpha.kubernetes.io/project_id'],
  domainId: ['network.alpha.kubernetes.io/domain-id', 'network.alpha.kubernetes.io/domain_id'],
  type: 'network.alpha.kubernetes.io/type',
} as const;

/** Kept by the emulator on every Network so that deletion goes through Terminating (TF waits on it). */
export const NETWORK_FINALIZER = 'networking.cci.io/network-teardown';

const CCI_SERVICE_CIDR = '10.247.0.0/16';

function cidrRange(cidr: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const [a, b, c, d, bits] = m.slice(1).map(Number) as [number, number, number, number, number];
  if ([a, b, c, d].some((o) => o > 255) || bits > 32) return undefined;
  const start = ((a * 256 + b) * 256 + c) * 256 + d;
  const size = 2 ** (32 - bits);
  const first = Math.floor(start / size) * size;
  return [first, first + size - 1];
}

function overlaps(x: string, y: string): boolean {
  const a = cidrRange(x);
  const b = cidrRange(y);
  return !!a && !!b && a[0] <= b[1] && b[0] <= a[1];
}

function annotation(network: CciNetwork, keys: readonly string[]): string | undefined {
  const annotations = network.metadata?.annotations ?? {};
  return keys.map((k) => annotations[k]).find((v) => v !== undefined && v !== '');
}

/**
 * The Network as CCI stores it, or the documented refusal. Where the docs give no code for a rule
 * (domain id, security group, the spec's fields), the answer is CCI.01.400101 "request body error",
 * CCI's generic code for a body it refuses: the stricter reading, since the docs mark them required.
 */
export function admitNetwork(
  state: EmulatorState,
  caller: { projectId: string; domainId: string },
  network: CciNetwork,
): CciNetwork {
  const refuse = (detail: string) => cciError('CCI.01.400101', `invalid Network: ${detail}`);
  const projectId = annotation(network, ANNOTATION.projectId);
  if (projectId !== caller.projectId) {
    throw cciError(
      'CCI.01.400202',
      projectId
        ? `annotation project-id ${projectId} is not the caller's project`
        : `annotation ${ANNOTATION.projectId[0]} (or ${ANNOTATION.projectId[1]}) is required`,
    );
  }
  const domainId = annotation(network, ANNOTATION.domainId);
  if (domainId !== caller.domainId) {
    throw refuse(
      domainId
        ? `annotation domain-id ${domainId} is not the caller's account`
        : `annotation ${ANNOTATION.domainId[0]} (or ${ANNOTATION.domainId[1]}) is required`,
    );
  }
  const securityGroup = annotation(network, [ANNOTATION.securityGroup]);
  if (!securityGroup) throw refuse(`annotation ${ANNOTATION.securityGroup} is required`);
  // The docs describe it as the security group of the Network's subnet: one of this project's.
  if (state.securityGroups.get(securityGroup)?.projectId !== caller.projectId)
    throw refuse(`security group ${securityGroup} not found in this project`);

  const spec = network.spec ?? {};
  if (spec.networkType !== 'underlay_neutron') throw refuse('spec.networkType must be underlay_neutron');
  if (!spec.networkID) throw refuse('spec.networkID (the VPC subnet ID) is required');
  const subnet = state.subnetById(caller.projectId, spec.networkID);
  if (!subnet) throw refuse(`spec.networkID: subnet ${spec.networkID} not found in this project`);
  if (spec.attachedVPC !== subnet.vpc_id)
    throw refuse(`spec.attachedVPC must be the subnet's VPC ${subnet.vpc_id}`);
  // CCI computes cidr and subnetID from the subnet (TF reads them back); given, they must agree.
  if (spec.cidr !== undefined && spec.cidr !== subnet.cidr)
    throw refuse(`spec.cidr must be the subnet's CIDR ${subnet.cidr}`);
  if (spec.subnetID !== undefined && spec.subnetID !== subnet.neutron_subnet_id)
    throw refuse(`spec.subnetID must be the subnet's Neutron subnet ID ${subnet.neutron_subnet_id}`);
  // Not a CCI refusal (CCI-DOCS only warns that Services in 10.247.0.0/16 may then clash) but the
  // add-on's own constraint (../shared/seed/): kept, as the stricter reading.
  if (overlaps(subnet.cidr, CCI_SERVICE_CIDR))
    throw refuse(`subnet ${subnet.cidr} overlaps ${CCI_SERVICE_CIDR}, the Service CIDR of CCI namespaces`);

  return {
    ...network,
    apiVersion: 'networking.cci.io/v1beta1',
    kind: 'Network',
    metadata: {
      ...network.metadata,
      annotations: { ...network.metadata?.annotations, [ANNOTATION.type]: 'underlay_neutron' },
      finalizers: [NETWORK_FINALIZER],
    },
    spec: { ...spec, cidr: subnet.cidr, subnetID: subnet.neutron_subnet_id },
  };
}
