// Keep-alive connections for API calls. client-node 1.x builds a new https.Agent for every request
// (KubeConfig.createAgent in applySecurityAuthentication), so each call pays a TCP and TLS
// handshake, on both ends. For a CLI that is a few calls; for the runtime, moving hundreds of pods,
// the handshakes were most of the bind-to-Running time (measured by bench/burst.ts). This
// KubeConfig keeps client-node's TLS settings but hands every request one pooled keep-alive agent.
import https from 'node:https';
import { type KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { TimedKubeConfig } from './request-timeout.js';

// Timed too: no API request of the runtime waits more than the request time limit.
class PooledKubeConfig extends TimedKubeConfig {
  private agent: https.Agent | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getAgent();
    // Only plain TLS agents are pooled; proxies keep client-node's own agent.
    if (!fresh || fresh.constructor !== https.Agent) return;
    // No socket limit: a request never waits for a busy socket, it only reuses idle ones. (node-fetch
    // 2, under client-node, reports a false "Premature close" when a request queues on a busy
    // keep-alive socket: node-fetch/node-fetch#1767.) The runtime's work queue bounds concurrency.
    this.agent ??= new https.Agent({ ...fresh.options, keepAlive: true });
    context.setAgent(this.agent);
  }
}

/** The same configuration (clusters, users, contexts, current context), with pooled connections. */
export function withPooledConnections(kc: KubeConfig): KubeConfig {
  const pooled = new PooledKubeConfig();
  pooled.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  if (kc instanceof TimedKubeConfig) pooled.requestTimeoutMs = kc.requestTimeoutMs;
  return pooled;
}
