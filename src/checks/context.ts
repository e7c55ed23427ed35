// What checks share in one run, doctor's or install's preflight: the Kubernetes and Huawei Cloud
// clients and the answers several checks use (server version, CCE cluster, release record), each
// fetched once. Creating a client never throws here; the check that first needs it fails with the
// reason. (Named CheckContext, not after doctor: install's preflight runs on it too.)
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  VersionApi,
  type KubeConfig,
  type VersionInfo,
  type V1NamespaceList,
} from '@kubernetes/client-node';
import { currentRelease, type ReleaseRecord } from '../addon/release-store.js';
import type { CceCluster } from '../cloud/cce.js';
import type { CloudConfig } from '../cloud/config.js';
import { CloudSession } from '../cloud/session.js';
import { loadKubeConfig, type KubeFlags } from '../kube/kubeconfig.js';

export interface CheckSettings {
  kube: KubeFlags;
  cloud: CloudConfig;
  /** The add-on's namespace. */
  namespace: string;
  nodeName: string;
  /** The CCI namespace the runtime keeps pods in; burstNamespace(clusterId) when not given. */
  cciNamespace?: string;
  /** Timeout of each cloud request. */
  requestTimeoutMs?: number;
}

function memo<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

export class CheckContext {
  constructor(readonly settings: CheckSettings) {}

  readonly kubeConfig = memo((): KubeConfig => loadKubeConfig(this.settings.kube));
  readonly core = memo(() => this.kubeConfig().makeApiClient(CoreV1Api));
  readonly apps = memo(() => this.kubeConfig().makeApiClient(AppsV1Api));
  readonly authorization = memo(() => this.kubeConfig().makeApiClient(AuthorizationV1Api));
  readonly coordination = memo(() => this.kubeConfig().makeApiClient(CoordinationV1Api));
  readonly admission = memo(() => this.kubeConfig().makeApiClient(AdmissionregistrationV1Api));
  readonly serverVersion = memo((): Promise<VersionInfo> =>
    this.kubeConfig().makeApiClient(VersionApi).getCode(),
  );
  readonly release = memo((): Promise<ReleaseRecord | undefined> =>
    currentRelease(this.core(), this.settings.namespace),
  );
  readonly cloud = memo(() => new CloudSession(this.settings.cloud, this.settings.requestTimeoutMs));
  /** The project's CCI namespaces: one list for every check that needs it (reachable, authorized, quota). */
  readonly cciNamespaces = memo(async (): Promise<V1NamespaceList> =>
    (await this.cloud().cci()).namespaces(),
  );
  readonly cceCluster = memo(async (): Promise<CceCluster> =>
    (await this.cloud().cce()).cluster(this.cloud().clusterId),
  );
}
