// `vkctl version`: the installed add-on's version (its latest release record) and the version the
// running runtime reports (its virtual node's kubeletVersion, "vkctl-<version>", provider/node.ts),
// read as status reads them: plain GETs where the kubeconfig allows, so no client-node up front.
import type { KubeFlags } from '../kube/kubeconfig.js';
import { DEFAULT_NODE_NAME, PROVIDER_DEPLOYMENT } from '../shared/names.js';
import { releasesOf } from './release-store.js';
import { withReads } from './status.js';

export interface AddonVersion {
  version: string;
  revision: number;
  status: string;
  namespace: string;
}

export interface RuntimeVersion {
  /** What the runtime reports on its node; absent when the node does not say. */
  version?: string;
  node: string;
  /** Whether the node is Ready: a runtime that stopped leaves its last report behind. */
  ready: boolean;
  /** The image the runtime's Deployment runs. */
  image?: string;
}

export interface ServerVersions {
  addon?: AddonVersion;
  runtime?: RuntimeVersion;
}

const KUBELET_VERSION_PREFIX = 'vkctl-';

/** The add-on in `namespace` and its runtime; each absent when there is none. */
export function serverVersions(flags: KubeFlags, namespace: string): Promise<ServerVersions> {
  return withReads(flags, async (reads) => {
    const latest = releasesOf(await reads.releaseSecrets(namespace)).at(-1);
    if (!latest) return {};
    const addon = { version: latest.version, revision: latest.revision, status: latest.status, namespace };
    const nodeName = (latest.values.nodeName as string | undefined) ?? DEFAULT_NODE_NAME;
    // Either may be missing (an install that did not finish, a runtime never started): not an error.
    const node = await reads.node(nodeName).catch(() => undefined);
    const deployment = await reads.deployment(PROVIDER_DEPLOYMENT, namespace).catch(() => undefined);
    const image = deployment?.spec?.template.spec?.containers.find((c) => c.name === 'provider')?.image;
    if (!node && !image) return { addon };
    const reported = node?.status?.nodeInfo?.kubeletVersion;
    return {
      addon,
      runtime: {
        version: reported?.startsWith(KUBELET_VERSION_PREFIX)
          ? reported.slice(KUBELET_VERSION_PREFIX.length)
          : reported || undefined,
        node: nodeName,
        ready: node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
        image,
      },
    };
  });
}
