// Names interconnect gives its parts: the sidecar container of each CCI pod, the Secret with its
// kubeconfig, and the ServiceAccount whose token it carries. The runtime creates them; doctor looks
// for them.
export const PROXY_CONTAINER = 'vkctl-proxy';
export const PROXY_KUBECONFIG_SECRET = 'vkctl-proxy-kubeconfig';
export const PROXY_SERVICE_ACCOUNT = 'vkctl-proxy';
