// Who may call the virtual node's kubelet API, decided as a kubelet decides it: the caller is
// authenticated by a client certificate from the cluster's CA or by a bearer token checked with a
// TokenReview, then authorized with a SubjectAccessReview on the node's subresource for the path
// (nodes/stats, nodes/metrics, nodes/log, else nodes/proxy). Anonymous callers get 401, callers
// without the right get 403. Nothing is cached: reviews are cheap next to a log stream or an exec.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

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

export class KubeletAccess {
  private readonly authentication: AuthenticationV1Api;
  private readonly authorization: AuthorizationV1Api;

  constructor(
    kc: KubeConfig,
    private readonly nodeName: string,
  ) {
    this.authentication = kc.makeApiClient(AuthenticationV1Api);
    this.authorization = kc.makeApiClient(AuthorizationV1Api);
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
    const review = await this.authentication.createTokenReview({ body: { spec: { token } } });
    if (!review.status?.authenticated || !review.status.user?.username) return undefined;
    return {
      user: review.status.user.username,
      groups: review.status.user.groups ?? [],
      uid: review.status.user.uid,
    };
  }

  async check(req: IncomingMessage): Promise<AccessDecision> {
    const caller = await this.authenticate(req);
    if (!caller) return { allowed: false, status: 401, reason: 'Unauthorized' };
    const path = new URL(req.url ?? '/', 'https://kubelet').pathname;
    const subresource = kubeletSubresource(path);
    const verb = VERBS[req.method ?? 'GET'] ?? 'get';
    const review = await this.authorization.createSubjectAccessReview({
      body: {
        spec: {
          user: caller.user,
          groups: caller.groups,
          uid: caller.uid,
          resourceAttributes: { verb, resource: 'nodes', subresource, name: this.nodeName },
        },
      },
    });
    if (review.status?.allowed) return { allowed: true, caller };
    return {
      allowed: false,
      status: 403,
      reason: `Forbidden (user=${caller.user}, verb=${verb}, resource=nodes, subresource=${subresource})`,
    };
  }
}
