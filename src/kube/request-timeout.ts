// A time limit on every Kubernetes API request: client-node sets none, so an apiserver (or anything
// at its address) that accepts a connection and never answers would hold a command forever. Each
// request made through a KubeConfig from here is aborted after `timeoutMs`; watches are not API
// requests (client-node's Watch makes its own) and stay open.
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

import { DEFAULT_REQUEST_TIMEOUT_MS } from './request-timeout-default.js';

export { DEFAULT_REQUEST_TIMEOUT_MS };

export class TimedKubeConfig extends KubeConfig {
  requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.requestTimeoutMs));
  }
}

/** The same configuration, with every API request limited to `timeoutMs`. */
export function withRequestTimeout(kc: KubeConfig, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): TimedKubeConfig {
  const timed = new TimedKubeConfig();
  timed.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  timed.requestTimeoutMs = timeoutMs;
  return timed;
}

/** Whether an error is a request this limit cut off (node-fetch reports an AbortError). */
export function isRequestTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}
