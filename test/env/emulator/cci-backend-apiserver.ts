// The kube-apiserver behind the emulated CCI, reached as its admin: JSON reads, writes, and
// forwarding a caller's request as it is (streams included, so watches work).
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ServiceContext } from './service.js';

export class CciBackendApiserver {
  private readonly url: URL;
  private readonly token: string;
  /** One TLS context and a keep-alive pool for the backend (a `ca` per request builds a context each time). */
  private readonly agent: https.Agent;

  constructor(kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster?.caData || !user?.token) throw new Error('CCI backend kubeconfig needs caData and a token');
    this.url = new URL(cluster.server);
    this.token = user.token;
    const ca = Buffer.from(cluster.caData, 'base64').toString('utf8');
    this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 128 });
  }

  /** A write to the backend as its admin: the answer's status and JSON body, whatever the status. */
  send(method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = https.request(
        new URL(path, this.url),
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
            'Content-Length': String(Buffer.byteLength(text)),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              resolve({
                status: res.statusCode ?? 502,
                body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
              });
            } catch (error) {
              reject(new Error(`CCI backend ${method} ${path}: not JSON`, { cause: error }));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }

  json(path: string, allowMissing = false): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.url),
        {
          agent: this.agent,
          headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 404 && allowMissing) return resolve(undefined);
            if (res.statusCode !== 200)
              return reject(new Error(`CCI backend ${path}: HTTP ${res.statusCode}`));
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Passes the request to the backend apiserver as its admin and streams the answer back. */
  forward(ctx: ServiceContext, body: Buffer = ctx.body): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
      for (const name of ['content-type', 'accept']) {
        const value = ctx.req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      if (body.length > 0) headers['content-length'] = String(body.length);
      const target = new URL(ctx.url.pathname + ctx.url.search, this.url);
      const upstream = https.request(
        target,
        { method: ctx.req.method, agent: this.agent, headers },
        (res) => {
          const passHeaders: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined && !['connection', 'transfer-encoding', 'keep-alive'].includes(k))
              passHeaders[k] = v;
          }
          ctx.res.writeHead(res.statusCode ?? 502, passHeaders);
          res.pipe(ctx.res);
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      ctx.res.on('close', () => upstream.destroy());
      upstream.on('error', (e) => (ctx.res.headersSent ? resolve() : reject(e)));
      upstream.end(body);
    });
  }
}
