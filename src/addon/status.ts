// `vkctl status` and `vkctl history`: the release as recorded, and how its parts are doing now.
// They only read (the release Secrets, the runtime's Deployment, the virtual node), so the CLI does
// it with plain GETs where the kubeconfig allows (kube/plain-get.ts, which says why) and loads
// client-node only where it does not; nothing here imports client-node's code up front.
import type { KubeConfig, V1Deployment, V1Node, V1Secret, V1SecretList } from '@kubernetes/client-node';
import type { KubeFlags } from '../kube/kubeconfig.js';
import { plainKube, type PlainKube } from '../kube/plain-get.js';
import { DEFAULT_NODE_NAME, PROVIDER_DEPLOYMENT, RELEASE_OWNER_SELECTOR } from '../shared/names.js';
import { releasesOf, type ReleaseRecord } from './release-store.js';
import { rolloutState } from './wait.js';
import { MANAGED_NODE_NAMES } from './managed/node-names.js';
import type { ManagedAddonState } from './managed/status.js';

export interface AddonStatus {
  installed: boolean;
  namespace: string;
  revision?: number;
  version?: string;
  status?: string;
  updatedAt?: string;
  description?: string;
  /** `rollout`: as `kubectl rollout status` words it ("deployment rolled out" when done). */
  deployment?: { available: number; desired: number; rollout: string };
  node?: { name: string; ready: boolean; registered: boolean };
  /** Why the latest release record cannot be read, when it cannot. */
  unreadable?: string;
  /** 'managed': Huawei's add-on, driven through CCE's add-on API (install --managed). */
  mode?: 'managed';
  /** The CCE instance's state, in managed mode (when the cloud could be asked). */
  addon?: ManagedAddonState;
}

/** How status reads the CCE instance of a managed record; absent: not asked. */
export type ManagedStateReader = (record: ReleaseRecord) => Promise<ManagedAddonState>;

/** The reads status and history (and version) make, through client-node or plain GETs. */
export interface Reads {
  releaseSecrets(namespace: string): Promise<V1Secret[]>;
  deployment(name: string, namespace: string): Promise<V1Deployment>;
  node(name: string): Promise<V1Node>;
}

async function clientNodeReads(kc: KubeConfig): Promise<Reads> {
  // Already loaded by whoever made kc; this only names its classes.
  const { AppsV1Api, CoreV1Api } = await import('@kubernetes/client-node');
  const core = kc.makeApiClient(CoreV1Api);
  return {
    releaseSecrets: async (namespace) =>
      (await core.listNamespacedSecret({ namespace, labelSelector: RELEASE_OWNER_SELECTOR })).items,
    deployment: (name, namespace) =>
      kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace }),
    node: (name) => core.readNode({ name }),
  };
}

function plainReads(kube: PlainKube): Reads {
  const part = encodeURIComponent;
  return {
    releaseSecrets: async (namespace) =>
      (
        await kube.get<V1SecretList>(
          `/api/v1/namespaces/${part(namespace)}/secrets?labelSelector=${part(RELEASE_OWNER_SELECTOR)}`,
        )
      ).items,
    deployment: (name, namespace) =>
      kube.get<V1Deployment>(`/apis/apps/v1/namespaces/${part(namespace)}/deployments/${part(name)}`),
    node: (name) => kube.get<V1Node>(`/api/v1/nodes/${part(name)}`),
  };
}

/** Runs `action` over plain GETs when the kubeconfig allows, else over client-node. */
export async function withReads<T>(flags: KubeFlags, action: (reads: Reads) => Promise<T>): Promise<T> {
  const kube = plainKube(flags);
  if (kube) {
    try {
      return await action(plainReads(kube));
    } finally {
      kube.close();
    }
  }
  const { loadKubeConfig } = await import('../kube/kubeconfig.js');
  return action(await clientNodeReads(loadKubeConfig(flags)));
}

/** `vkctl status`: the kubeconfig from the flags, read as cheaply as it allows. */
export function addonStatusFor(
  flags: KubeFlags,
  namespace: string,
  managedState?: ManagedStateReader,
): Promise<AddonStatus> {
  return withReads(flags, (reads) => statusOf(reads, namespace, managedState));
}

/** `vkctl history`, as addonStatusFor. */
export function addonHistoryFor(flags: KubeFlags, namespace: string): Promise<HistoryEntry[]> {
  return withReads(flags, async (reads) => historyOf(releasesOf(await reads.releaseSecrets(namespace))));
}

export async function addonStatus(kc: KubeConfig, namespace: string): Promise<AddonStatus> {
  return statusOf(await clientNodeReads(kc), namespace);
}

/** What status says from the record alone. */
function recorded(namespace: string, latest: ReleaseRecord): AddonStatus {
  return {
    installed: true,
    namespace,
    revision: latest.revision,
    version: latest.version,
    status: latest.status,
    updatedAt: latest.updatedAt,
    description: latest.description,
    ...(latest.unreadable ? { unreadable: latest.unreadable } : {}),
  };
}

async function statusOf(
  reads: Reads,
  namespace: string,
  managedState?: ManagedStateReader,
): Promise<AddonStatus> {
  const latest = releasesOf(await reads.releaseSecrets(namespace)).at(-1);
  if (!latest) return { installed: false, namespace };
  if (latest.mode === 'managed') return managedStatusOf(reads, namespace, latest, managedState);
  const nodeName = latest.values.nodeName ?? DEFAULT_NODE_NAME;
  const deployment = await reads.deployment(PROVIDER_DEPLOYMENT, namespace).catch(() => undefined);
  const node = await reads.node(nodeName).catch(() => undefined);
  return {
    ...recorded(namespace, latest),
    deployment: deployment
      ? {
          available: deployment.status?.availableReplicas ?? 0,
          desired: deployment.spec?.replicas ?? 1,
          rollout: rolloutState(deployment).text,
        }
      : undefined,
    node: {
      name: nodeName,
      registered: !!node,
      ready: node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    },
  };
}

/** A managed release: the record, the CCE instance, and the virtual node Huawei's add-on registers. */
async function managedStatusOf(
  reads: Reads,
  namespace: string,
  latest: ReleaseRecord,
  managedState?: ManagedStateReader,
): Promise<AddonStatus> {
  let node: AddonStatus['node'] = { name: MANAGED_NODE_NAMES.join(' or '), registered: false, ready: false };
  for (const name of MANAGED_NODE_NAMES) {
    const found = await reads.node(name).catch(() => undefined);
    if (!found) continue;
    const ready = found.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    node = { name, registered: true, ready };
    break;
  }
  return {
    ...recorded(namespace, latest),
    mode: 'managed',
    ...(managedState ? { addon: await managedState(latest) } : {}),
    node,
  };
}

export interface HistoryEntry {
  revision: number;
  updated?: string;
  status: string;
  version: string;
  description?: string;
}

export async function addonHistory(kc: KubeConfig, namespace: string): Promise<HistoryEntry[]> {
  return historyOf(releasesOf(await (await clientNodeReads(kc)).releaseSecrets(namespace)));
}

function historyOf(releases: ReleaseRecord[]): HistoryEntry[] {
  return releases.map((r) => ({
    revision: r.revision,
    updated: r.updatedAt,
    status: r.status,
    version: r.version,
    description: r.description,
  }));
}
