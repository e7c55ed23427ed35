// How long one Kubernetes API request may take unless --request-timeout says otherwise (kubectl
// waits forever by default; vkctl does not). Apart from request-timeout.ts, which loads
// @kubernetes/client-node, so that the plain reads of `status` can use it too.
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
