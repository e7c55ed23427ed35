// `vkctl status` and `vkctl history`: the release as recorded, and how its parts are doing now.
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_NODE_NAME, PROVIDER_DEPLOYMENT } from './names.js';
import { listReleases } from './release-store.js';

export interface AddonStatus {
  installed: boolean;
  namespace: string;
  revision?: number;
  version?: string;
  status?: string;
  updatedAt?: string;
  description?: string;
  deployment?: { available: number; desired: number };
  node?: { name: string; ready: boolean; registered: boolean };
}

export async function addonStatus(kc: KubeConfig, namespace: string): Promise<AddonStatus> {
  const core = kc.makeApiClient(CoreV1Api);
  const latest = (await listReleases(core, namespace)).at(-1);
  if (!latest) return { installed: false, namespace };
  const nodeName = (latest.values.nodeName as string | undefined) ?? DEFAULT_NODE_NAME;
  const deployment = await kc
    .makeApiClient(AppsV1Api)
    .readNamespacedDeployment({ name: PROVIDER_DEPLOYMENT, namespace })
    .catch(() => undefined);
  const node = await core.readNode({ name: nodeName }).catch(() => undefined);
  return {
    installed: true,
    namespace,
    revision: latest.revision,
    version: latest.version,
    status: latest.status,
    updatedAt: latest.updatedAt,
    description: latest.description,
    deployment: deployment
      ? { available: deployment.status?.availableReplicas ?? 0, desired: deployment.spec?.replicas ?? 1 }
      : undefined,
    node: {
      name: nodeName,
      registered: !!node,
      ready: node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    },
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
  const releases = await listReleases(kc.makeApiClient(CoreV1Api), namespace);
  return releases.map((r) => ({
    revision: r.revision,
    updated: r.updatedAt,
    status: r.status,
    version: r.version,
    description: r.description,
  }));
}
