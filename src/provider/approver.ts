// `vkctl provider approver`: the second container of the runtime's pod. It holds what the runtime,
// a node, must not: the vkctl-provider ServiceAccount's token, which may approve kubelet-serving
// CSRs (only its own node's, for its own names: kubelet/serving-approver.ts) and, with
// interconnect, request vkctl-proxy tokens (interconnect/proxy-token-writer.ts). Keeping these
// apart keeps the runtime no stronger than a kubelet, and the token out of the runtime's container.
import type { KubeConfig, RequestContext } from '@kubernetes/client-node';
import { withPooledConnections } from '../kube/pooled-connections.js';
import { ProxyTokenWriter } from './interconnect/proxy-token-writer.js';
import { ServingApprover } from './kubelet/serving-approver.js';
import type { Logger } from './logger.js';

/** No API call waits longer than this (a watch is not a call: its informer restarts it). */
export const REQUEST_TIMEOUT_MS = 15_000;

export interface ApproverOptions {
  kc: KubeConfig;
  nodeName: string;
  /** The pod's own IP, which the runtime beside it names in its CSR. */
  podAddress?: string;
  /** With interconnect: where to write the vkctl-proxy token, and the add-on's namespace. */
  proxyToken?: { file: string; namespace: string };
  log: Logger;
  requestTimeoutMs?: number;
  resyncMs?: number;
}

export interface RunningApprover {
  stop(): Promise<void>;
}

/**
 * Pooled connections (as the runtime's), and every API request aborted after `timeoutMs`: a hung
 * apiserver must not leave a CSR unapproved or a token unrenewed forever.
 */
function withRequestTimeouts(kc: KubeConfig, timeoutMs: number): KubeConfig {
  const pooled = withPooledConnections(kc);
  const apply = pooled.applySecurityAuthentication.bind(pooled);
  pooled.applySecurityAuthentication = async (context: RequestContext) => {
    await apply(context);
    // Only API calls pass here; watches (Watch uses applyToFetchOptions) stay open.
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(timeoutMs));
  };
  return pooled;
}

export async function runApprover(options: ApproverOptions): Promise<RunningApprover> {
  const kc = withRequestTimeouts(options.kc, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  const approver = new ServingApprover(kc, {
    nodeName: options.nodeName,
    podAddress: options.podAddress,
    log: options.log,
    resyncMs: options.resyncMs,
  });
  // The token first: the runtime waits for it before it starts its pods.
  const writer = options.proxyToken
    ? new ProxyTokenWriter(kc, { ...options.proxyToken, log: options.log })
    : undefined;
  await writer?.start();
  try {
    await approver.start();
  } catch (error) {
    writer?.stop();
    throw error;
  }
  return {
    async stop() {
      writer?.stop();
      await approver.stop();
    },
  };
}
