// The names vkctl's add-on uses in a cluster. Install creates these; doctor and uninstall find them.
export const ADDON_NAME = 'vkctl';
export const DEFAULT_NAMESPACE = 'kube-system';
export const PROVIDER_DEPLOYMENT = 'vkctl-provider';
export const WEBHOOK_CONFIGURATION = 'vkctl-burst-policy';
/** The Secret with the CCI credentials the runtime uses (manifests/<version>/30-secrets.yaml). */
export const CREDENTIALS_SECRET = 'vkctl-cci-credentials';
export const DEFAULT_NODE_NAME = 'virtual-kubelet';
/** Labels on every object vkctl creates. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
/** The namespace of the release that made an object: prune and uninstall delete only their own. */
export const RELEASE_NAMESPACE_LABEL = 'vkctl.io/release-namespace';
/** Release records are Secrets of this type, labelled owner=vkctl (as helm's are owner=helm). */
export const RELEASE_SECRET_TYPE = 'vkctl.io/release.v1';
export const RELEASE_OWNER_SELECTOR = 'owner=vkctl';
