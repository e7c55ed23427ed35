// The runtime's config contract: the add-on's values, which install renders into the runtime's
// config file and the runtime reads back (src/provider/config.ts), and the credentials kept apart
// from them. One definition for both sides, below both.
import type { CloudService } from './cloud-services.js';

export interface AddonValues {
  region: string;
  projectId: string;
  clusterId: string;
  /** The CCI namespace the runtime keeps pods in; cce-burst-<clusterId> by default. */
  cciNamespace: string;
  /** Neutron subnet ID for CCI pods; the runtime uses the cluster's node subnet when empty. */
  subnetId: string;
  /**
   * The security group CCI pods get (a CCI Network's default security group); the cluster's node
   * security group when empty.
   */
  securityGroupId: string;
  nodeName: string;
  replicas: number;
  resources: { cpu: string; memory: string };
  /** `digest` (sha256:…), when set, pins the image: `<registry>/<repository>:<tag>@<digest>`. */
  image: { registry: string; repository: string; tag: string; digest: string };
  interconnect: boolean;
  /** The cluster's DNS domain, which the interconnect sidecar answers for. */
  clusterDomain: string;
  /** host:port of the resolver CCI pods use for other names with interconnect on (their own is the sidecar). */
  proxyUpstreamDns: string;
  /** Endpoint overrides (private regions); empty means the region's public endpoints. */
  endpoints: Partial<Record<CloudService, string>>;
}

export interface AddonCredentials {
  accessKey: string;
  secretKey: string;
}
