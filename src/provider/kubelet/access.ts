// Who may call the virtual node's kubelet API, decided as a kubelet decides it: the caller is
// authenticated by a client certificate from the cluster's CA or by a bearer token checked with a
// TokenReview, then authorized with a SubjectAccessReview on the node's subresource for the path
// (nodes/stats, nodes/metrics, nodes/log, else nodes/proxy). Anonymous callers get 401, callers
// without the right get 403. Both answers are cached as the kubelet caches them (its webhook
// authenticator keeps a token's answer 2 min; its authorizer an allow 5 min and a deny 30 s; here an
// unknown token is remembered 30 s too), in bounded caches: a caller repeating made-up tokens costs
// the apiserver one TokenReview per token per 30 s, not one per request.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { LRUCache } from 'lru-cache';

export interface Caller {
  user: string;
  groups: string[];
  uid?: string;
}

export type AccessDecision =
  { allowed: true; caller: Caller } | { allowed: false; status: 401 | 403; reason: string };

const VERBS: Record<string, string> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** The node subresource a kubelet path is authorized as (the kubelet's own mapping). */
export function kubeletSubresource(path: string): string {
  if (path.startsWith('/stats')) return 'stats';
  if (path.startsWith('/metrics')) return 'metrics';
  if (path.startsWith('/logs')) return 'log';
  return 'proxy';
}

/** The two reviews the kubelet API asks the apiserver for; a seam, so that a test can count them. */
export interface AccessReviews {
  /** Who a bearer token is, or undefined when it authenticates no one. */
  token(token: string): Promise<Caller | undefined>;
  /** Whether the caller may `verb` the node's `subresource`. */
  allowed(caller: Caller, verb: string, subresource: string): Promise<boolean>;
}

export const CACHE = {
  authenticatedMs: 2 * 60_000,
  unauthenticatedMs: 30_000,
  allowedMs: 5 * 60_000,
  deniedMs: 30_000,
  /** Entries per cache: far more callers than a node sees, far less memory than an attacker wants. */
  max: 4096,
} as const;

/** The apiserver's TokenReview and SubjectAccessReview, as a kubelet asks them. */
export function apiserverReviews(kc: KubeConfig, nodeName: string): AccessReviews {
  const authentication = kc.makeApiClient(AuthenticationV1Api);
  const authorization = kc.makeApiClient(AuthorizationV1Api);
  return {
    async token(token) {
      const review = await authentication.createTokenReview({ body: { spec: { token } } });
      if (!review.status?.authenticated || !review.status.user?.username) return undefined;
      return {
        user: review.status.user.username,
        groups: review.status.user.groups ?? [],
        uid: review.status.user.uid,
      };
    },
    async allowed(caller, verb, subresource) {
      const review = await authorization.createSubjectAccessReview({
        body: {
          spec: {
            user: caller.user,
            groups: caller.groups,
            uid: caller.uid,
            resourceAttributes: { verb, resource: 'nodes', subresource, name: nodeName },
          },
        },
      });
      return review.status?.allowed === true;
    },
  };
}

export class KubeletAccess {
  private readonly reviews: AccessReviews;
  /** By the token's SHA-256 (the cache holds no token); 'none': it authenticated no one. */
  private readonly tokens = new LRUCache<string, Caller | 'none'>({ max: CACHE.max });
  private readonly decisions = new LRUCache<string, boolean>({ max: CACHE.max });

  constructor(kc: KubeConfig, nodeName: string, reviews?: AccessReviews) {
    this.reviews = reviews ?? apiserverReviews(kc, nodeName);
  }

  private async authenticate(req: IncomingMessage): Promise<Caller | undefined> {
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      // The TLS layer checked the chain against the cluster's CA; the subject names the caller.
      const subject = socket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
      const user = subject?.CN;
      const groups = subject?.O;
      if (typeof user === 'string' && user) {
        return { user, groups: Array.isArray(groups) ? groups : groups ? [groups] : [] };
      }
    }
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return undefined;
    const key = createHash('sha256').update(token).digest('hex');
    const known = this.tokens.get(key);
    if (known !== undefined) return known === 'none' ? undefined : known;
    const caller = await this.reviews.token(token);
    this.tokens.set(key, caller ?? 'none', {
      ttl: caller ? CACHE.authenticatedMs : CACHE.unauthenticatedMs,
    });
    return caller;
  }

  private async allowed(caller: Caller, verb: string, subresource: string): Promise<boolean> {
    const key = JSON.stringify([caller.user, caller.uid ?? '', [...caller.groups].sort(), verb, subresource]);
    const known = this.decisions.get(key);
    if (known !== undefined) return known;
    const allowed = await this.reviews.allowed(caller, verb, subresource);
    this.decisions.set(key, allowed, { ttl: allowed ? CACHE.allowedMs : CACHE.deniedMs });
    return allowed;
  }

  async check(req: IncomingMessage): Promise<AccessDecision> {
    const caller = await this.authenticate(req);
    if (!caller) return { allowed: false, status: 401, reason: 'Unauthorized' };
    const path = new URL(req.url ?? '/', 'https://kubelet').pathname;
    const subresource = kubeletSubresource(path);
    const verb = VERBS[req.method ?? 'GET'] ?? 'get';
    if (await this.allowed(caller, verb, subresource)) return { allowed: true, caller };
    return {
      allowed: false,
      status: 403,
      reason: `Forbidden (user=${caller.user}, verb=${verb}, resource=nodes, subresource=${subresource})`,
    };
  }
}
