// The emulated CCI's pod streams: logs (from the fake runtime), exec and attach (WebSocket
// upgrades, cci-exec.ts) and the metrics API (cci-metrics.ts), each after the same authorization and
// namespace ownership checks as the rest of CCI (cci.ts).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import type { CciBackendApiserver } from './cci-backend-apiserver.js';
import { rejectUpgrade, serveCciRemoteCommand } from './cci-exec.js';
import { podMetrics } from './cci-metrics.js';
import type { CciRuntime } from './cci-runtime.js';
import { HttpError, KubeStatusError, kubeError } from './http.js';
import type { ServiceContext } from './service.js';
import type { EmulatorState } from './state.js';

/** What the streams need of cci.ts: who the caller is, and that the namespace is theirs. */
export interface CciAccess {
  authorize(req: IncomingMessage, body: Buffer): { projectId: string; domainId: string };
  requireNamespace(namespace: string, projectId: string): Promise<void>;
}

export class CciPodStreams {
  constructor(
    private readonly state: EmulatorState,
    private readonly backend: CciBackendApiserver,
    private readonly runtime: CciRuntime,
    private readonly access: CciAccess,
  ) {}

  /** The pod and the container a log, exec or attach request names, as the apiserver checks them. */
  private async podContainer(
    req: IncomingMessage,
    namespace: string,
    name: string,
    requested: string | null,
  ): Promise<{ pod: V1Pod; container: string }> {
    const { projectId } = this.access.authorize(req, Buffer.alloc(0));
    await this.access.requireNamespace(namespace, projectId);
    const pod = (await this.backend.json(`/api/v1/namespaces/${namespace}/pods/${name}`, true)) as
      V1Pod | undefined;
    if (!pod) throw kubeError(404, 'NotFound', `pods "${name}" not found`);
    const names = (pod.spec?.containers ?? []).map((c) => c.name);
    const container = requested ?? (names.length === 1 ? names[0] : undefined);
    if (!container) {
      throw kubeError(
        400,
        'BadRequest',
        `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
      );
    }
    if (!names.includes(container))
      throw kubeError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
    return { pod, container };
  }

  /** Exec and attach: WebSocket upgrades on the pod's subresources (cci-exec.ts). */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://cci');
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/.exec(url.pathname);
    if (!match) return rejectUpgrade(socket, 404, 'NotFound', `${url.pathname}: no upgrade here`);
    const [, namespace = '', name = '', kind] = match;
    try {
      // Not in CCI's documented API (state.cciUndocumented): once the caller is known, the answer a
      // Kubernetes apiserver gives a path it does not serve, 404 NotFound "the server could not find
      // the requested resource" (apimachinery errors.NewGenericServerResponse).
      if (kind === 'attach' && !this.state.cciUndocumented.attach) {
        this.access.authorize(req, Buffer.alloc(0));
        throw kubeError(404, 'NotFound', 'the server could not find the requested resource');
      }
      const { pod, container } = await this.podContainer(
        req,
        namespace,
        name,
        url.searchParams.get('container'),
      );
      const env = this.runtime.runningContainerEnv(pod.metadata?.uid ?? '', container);
      if (!env) throw kubeError(400, 'BadRequest', `container ${container} is not running in pod ${name}`);
      serveCciRemoteCommand(
        req,
        socket,
        head,
        kind as 'exec' | 'attach',
        { pod, container, env },
        this.runtime,
        (path) => this.runtime.readMountedFile(pod, container, path),
      );
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const errorCode = error instanceof KubeStatusError ? error.errorCode : undefined;
      rejectUpgrade(
        socket,
        status,
        (error as HttpError).code ?? 'InternalError',
        (error as Error).message,
        errorCode,
      );
    }
  }

  /** CCI's pod metrics (metrics.k8s.io shape), for the running containers (cci-metrics.ts). */
  async podMetrics(ctx: ServiceContext, namespace: string): Promise<void> {
    const projectId = this.access.authorize(ctx.req, ctx.body).projectId;
    // Not in CCI's documented API (state.cciUndocumented): what an apiserver without the group answers.
    if (!this.state.cciUndocumented.metrics)
      throw kubeError(404, 'NotFound', 'the server could not find the requested resource');
    await this.access.requireNamespace(namespace, projectId);
    const list = (await this.backend.json(`/api/v1/namespaces/${namespace}/pods`)) as { items?: V1Pod[] };
    const now = new Date();
    const items = (list.items ?? []).flatMap((pod) => {
      const uid = pod.metadata?.uid ?? '';
      const metrics = podMetrics(pod, (c) => this.runtime.runningContainerEnv(uid, c) !== undefined, now);
      return metrics ? [metrics] : [];
    });
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.end(
      JSON.stringify({ kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items }),
    );
  }

  async podLog(ctx: ServiceContext, namespace: string, name: string): Promise<void> {
    const q = ctx.url.searchParams;
    const { pod, container } = await this.podContainer(ctx.req, namespace, name, q.get('container'));
    const uid = pod.metadata?.uid ?? '';
    const timestamps = q.get('timestamps') === 'true';
    const sinceSeconds = Number(q.get('sinceSeconds') ?? NaN);
    const sinceTime = q.get('sinceTime') ? new Date(q.get('sinceTime') ?? '') : undefined;
    const since = Number.isFinite(sinceSeconds) ? new Date(Date.now() - sinceSeconds * 1000) : sinceTime;
    let lines = this.runtime.logs
      .lines(uid, container, q.get('previous') === 'true')
      .filter((l) => !since || l.time >= since);
    const tail = Number(q.get('tailLines') ?? NaN);
    if (Number.isFinite(tail)) lines = tail <= 0 ? [] : lines.slice(-tail);
    let budget = Number(q.get('limitBytes') ?? Infinity);
    const res = ctx.res;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    const write = (line: { time: Date; text: string }) => {
      const text = `${timestamps ? `${line.time.toISOString()} ` : ''}${line.text}\n`;
      const chunk = Buffer.from(text).subarray(0, Math.max(0, budget));
      budget -= chunk.length;
      if (chunk.length > 0) res.write(chunk);
      return budget > 0;
    };
    for (const line of lines) if (!write(line)) return void res.end();
    if (q.get('follow') !== 'true' || this.runtime.logs.isEnded(uid, container)) return void res.end();
    const unfollow = this.runtime.logs.follow(
      uid,
      container,
      (line) => {
        if (!write(line)) {
          unfollow();
          res.end();
        }
      },
      () => res.end(),
    );
    res.on('close', unfollow);
  }
}
