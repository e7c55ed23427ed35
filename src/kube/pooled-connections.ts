// Keep-alive connections for API calls. client-node 1.x builds a new https.Agent for every request
// (KubeConfig.createAgent in applySecurityAuthentication), so each call pays a TCP and TLS
// handshake, on both ends. For a CLI that is a few calls; for the runtime, moving hundreds of pods,
// the handshakes were most of the bind-to-Running time (measured by bench/burst.ts). This
// KubeConfig keeps client-node's TLS settings but hands every request one pooled keep-alive agent
// with one TLS context: without it, every new socket parsed the key and CA again (the largest
// cost through the CCI emulator, docs/benchmarks.md "Where the runtime's cost goes").
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { TimedKubeConfig } from './request-timeout.js';

/** The pooled agent and, for credentials that do not change, the headers every request carries. */
interface Pool {
  agent: https.Agent;
  /** Undefined when credentials are refreshed (exec, auth providers, token files): asked per request. */
  headers: Record<string, string> | undefined;
}

/**
 * Idle sockets kept for reuse: the runtime's reconciles (64 at once by default) fit; at a burst's
 * peak the event mirror's (up to 16) may add a few more, which are closed once idle.
 */
const MAX_FREE_SOCKETS = 64;

// Timed too: no API request of the runtime waits more than the request time limit.
class PooledKubeConfig extends TimedKubeConfig {
  private pool: Promise<Pool | undefined> | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const pool = await this.sharedPool();
    if (pool?.headers) {
      // client-node's own path would read the credentials again and build an agent per request.
      for (const [name, value] of Object.entries(pool.headers)) context.setHeaderParam(name, value);
      if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.requestTimeoutMs));
    } else {
      await super.applySecurityAuthentication(context);
    }
    if (pool) context.setAgent(pool.agent);
  }

  /** The agent (and headers) plain requests share with client-node's (plain-request.ts). */
  sharedPool(): Promise<Pool | undefined> {
    this.pool ??= this.makePool().catch((error: unknown) => {
      this.pool = undefined; // unreadable credentials now may be readable on the next request
      throw error;
    });
    return this.pool;
  }

  private async makePool(): Promise<Pool | undefined> {
    // client-node's settings, once: its agent's TLS options and its authentication headers.
    const probe = new RequestContext(this.getCurrentCluster()?.server ?? '', HttpMethod.GET);
    await super.applySecurityAuthentication(probe);
    const fresh = probe.getAgent();
    // Only plain TLS agents are pooled; proxies and plain HTTP keep client-node's own agent.
    if (!fresh || fresh.constructor !== https.Agent) return undefined;
    const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = fresh.options;
    const agent = new https.Agent({
      keepAlive: true,
      // No socket limit: a request never waits for a busy socket, it only reuses idle ones. (node-fetch
      // 2, under client-node, reports a false "Premature close" when a request queues on a busy
      // keep-alive socket: node-fetch/node-fetch#1767.) The runtime's work queue and the event
      // mirror bound concurrency instead.
      maxFreeSockets: MAX_FREE_SOCKETS,
      // Neither CA nor key in the agent's options: https.Agent names its pools by them, stringifying
      // the certificates on every request; the context carries them.
      secureContext: tls.createSecureContext({ ca, cert, key, pfx, passphrase }),
      ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
      ...(servername === undefined ? {} : { servername }),
    });
    // The runtime reads its credentials only at start (a change rolls its pods): a token or
    // certificate in the kubeconfig is fixed, and so are the headers made from it.
    const user = this.getCurrentUser();
    const refreshed = user?.exec !== undefined || user?.authProvider !== undefined;
    return { agent, headers: refreshed ? undefined : probe.getHeaders() };
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

/** What a request outside client-node needs to go out as client-node's would. */
export interface ConnectionOptions {
  agent: http.Agent | undefined;
  headers: Record<string, string>;
  /** user:password for basic authentication. */
  auth: string | undefined;
}

/** The pooled agent and headers of a pooled KubeConfig; client-node's per-request ones otherwise. */
export async function connectionOptions(kc: KubeConfig): Promise<ConnectionOptions> {
  const pool = kc instanceof PooledKubeConfig ? await kc.sharedPool() : undefined;
  if (pool?.headers) return { agent: pool.agent, headers: pool.headers, auth: undefined };
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name] = String(value);
  return {
    agent: pool?.agent ?? (options.agent instanceof http.Agent ? options.agent : undefined),
    headers,
    auth: options.auth ?? undefined,
  };
}
