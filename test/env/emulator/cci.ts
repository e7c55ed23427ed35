// CCI 1.0's Kubernetes-compatible API. Authenticated like every Huawei API (token or AK/SK), scoped
// to the caller's project, with CCI's own rules in front: namespaces need a flavor annotation, a
// Network must match a VPC subnet of the project and stay clear of 10.247.0.0/16, pods need an Active
// Network and must pass cci-rules.ts. What passes is forwarded to a real kube-apiserver, so watch,
// resourceVersion and conflicts behave as Kubernetes does. Pod logs come from the fake runtime.
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { authenticate, callerProject, requireProject } from './auth.js';
import { cciPodProblems } from './cci-rules.js';
import { NETWORK_GROUP, NETWORK_VERSION, type CciNetwork, type CciRuntime } from './cci-runtime.js';
import { rejectUpgrade, serveCciRemoteCommand } from './cci-exec.js';
import { podMetrics } from './cci-metrics.js';
import { HttpError, KubeStatusError, type Route, route } from './http.js';
import type { ServiceContext } from './service.js';
import type { EmulatorState } from './state.js';

export const PROJECT_LABEL = 'cci-emulator.vkctl.io/project-id';
export const FLAVOR_ANNOTATION = 'namespace.kubernetes.io/flavor';
const FLAVORS = ['general-computing', 'gpu-accelerated'];
const CCI_SERVICE_CIDR = '10.247.0.0/16';

interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
}

function cidrRange(cidr: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const [a, b, c, d, bits] = m.slice(1).map(Number) as [number, number, number, number, number];
  if ([a, b, c, d].some((o) => o > 255) || bits > 32) return undefined;
  const start = ((a * 256 + b) * 256 + c) * 256 + d;
  const size = 2 ** (32 - bits);
  const first = Math.floor(start / size) * size;
  return [first, first + size - 1];
}

function overlaps(x: string, y: string): boolean {
  const a = cidrRange(x);
  const b = cidrRange(y);
  return !!a && !!b && a[0] <= b[1] && b[0] <= a[1];
}

function kubeError(status: number, reason: string, message: string): KubeStatusError {
  return new KubeStatusError(status, reason, message);
}

export class CciApi {
  private readonly backendUrl: URL;
  private readonly backendCa: string;
  private readonly backendToken: string;
  /** One TLS context and a keep-alive pool for the backend (a `ca` per request builds a context each time). */
  private readonly backendAgent: https.Agent;

  constructor(
    private readonly state: EmulatorState,
    kc: KubeConfig,
    private readonly runtime: CciRuntime,
  ) {
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster?.caData || !user?.token) throw new Error('CCI backend kubeconfig needs caData and a token');
    this.backendUrl = new URL(cluster.server);
    this.backendCa = Buffer.from(cluster.caData, 'base64').toString('utf8');
    this.backendToken = user.token;
    this.backendAgent = new https.Agent({ ca: this.backendCa, keepAlive: true, maxSockets: 128 });
  }

  routes(): Route<ServiceContext>[] {
    return [
      route('POST', /^\/api\/v1\/namespaces$/, (ctx) => this.createNamespace(ctx)),
      route('GET', /^\/api\/v1\/namespaces$/, (ctx) => this.listNamespaces(ctx)),
      route('POST', /^\/apis\/networking\.cci\.io\/v1beta1\/namespaces\/([^/]+)\/networks$/, (ctx, [ns]) =>
        this.createNetwork(ctx, ns ?? ''),
      ),
      route('POST', /^\/api\/v1\/namespaces\/([^/]+)\/pods$/, (ctx, [ns]) => this.createPod(ctx, ns ?? '')),
      route('GET', /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/, (ctx, [ns]) =>
        this.podMetrics(ctx, ns ?? ''),
      ),
      route('GET', /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/, (ctx, [ns, name]) =>
        this.podLog(ctx, ns ?? '', name ?? ''),
      ),
    ];
  }

  /** Everything else: discovery as is; namespaced paths after an ownership check; no cluster-wide access. */
  async fallback(ctx: ServiceContext): Promise<void> {
    const projectId = this.project(ctx);
    const path = ctx.url.pathname;
    const namespaced = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/namespaces\/([^/]+)/.exec(path);
    const discovery =
      ctx.req.method === 'GET' &&
      /^\/(?:api(?:\/v1)?|apis(?:\/[^/]+){0,2}|version|openapi(?:\/.*)?)\/?$/.test(path);
    if (namespaced) await this.requireNamespace(namespaced[1] ?? '', projectId);
    else if (!discovery)
      throw kubeError(403, 'Forbidden', `cluster-scoped access to ${path} is not allowed in CCI`);
    await this.forward(ctx);
  }

  private project(ctx: ServiceContext): string {
    const caller = authenticate(this.state, ctx.req, ctx.body);
    const projectId = callerProject(caller);
    requireProject(this.state, caller, projectId);
    return projectId;
  }

  private parseObject(ctx: ServiceContext): KubeObject {
    try {
      return parseYaml(ctx.body.toString('utf8')) as KubeObject;
    } catch {
      throw kubeError(400, 'BadRequest', 'request body is neither JSON nor YAML');
    }
  }

  private async createNamespace(ctx: ServiceContext): Promise<void> {
    const projectId = this.project(ctx);
    const ns = this.parseObject(ctx);
    const flavor = ns.metadata?.annotations?.[FLAVOR_ANNOTATION];
    if (!flavor || !FLAVORS.includes(flavor)) {
      throw kubeError(
        400,
        'BadRequest',
        `annotation ${FLAVOR_ANNOTATION} is required and must be one of ${FLAVORS.join(', ')}`,
      );
    }
    ns.metadata = { ...ns.metadata, labels: { ...ns.metadata?.labels, [PROJECT_LABEL]: projectId } };
    await this.forward(ctx, Buffer.from(JSON.stringify(ns)));
  }

  private async listNamespaces(ctx: ServiceContext): Promise<void> {
    const projectId = this.project(ctx);
    const given = ctx.url.searchParams.get('labelSelector');
    ctx.url.searchParams.set(
      'labelSelector',
      [given, `${PROJECT_LABEL}=${projectId}`].filter(Boolean).join(','),
    );
    await this.forward(ctx);
  }

  private async createNetwork(ctx: ServiceContext, namespace: string): Promise<void> {
    const projectId = this.project(ctx);
    await this.requireNamespace(namespace, projectId);
    const network = this.parseObject(ctx) as CciNetwork;
    const spec = network.spec ?? {};
    const invalid = (message: string) => kubeError(400, 'BadRequest', `invalid Network: ${message}`);
    if (spec.networkType !== 'underlay_neutron') throw invalid('spec.networkType must be underlay_neutron');
    if (!spec.cidr || !cidrRange(spec.cidr)) throw invalid('spec.cidr must be an IPv4 CIDR');
    if (overlaps(spec.cidr, CCI_SERVICE_CIDR)) {
      throw invalid(
        `spec.cidr ${spec.cidr} overlaps ${CCI_SERVICE_CIDR}, the Service CIDR of CCI namespaces`,
      );
    }
    const subnet = this.state.subnetByNeutronId(projectId, spec.subnetID ?? '');
    if (!subnet)
      throw invalid(
        `subnet ${spec.subnetID} not found in this project (spec.subnetID is the Neutron subnet ID)`,
      );
    if (spec.networkID !== subnet.id)
      throw invalid(`spec.networkID must be the subnet's network ID ${subnet.id}`);
    if (spec.attachedVPC !== subnet.vpc_id)
      throw invalid(`spec.attachedVPC must be the subnet's VPC ${subnet.vpc_id}`);
    if (spec.cidr !== subnet.cidr) throw invalid(`spec.cidr must be the subnet's CIDR ${subnet.cidr}`);
    await this.forward(ctx);
  }

  private async createPod(ctx: ServiceContext, namespace: string): Promise<void> {
    const projectId = this.project(ctx);
    await this.requireNamespace(namespace, projectId);
    // The runtime's cache answers at once; only a miss (a Network activated a moment ago) asks.
    const active =
      this.runtime.hasActiveNetwork(namespace) ||
      (
        (await this.backendJson(
          `/apis/${NETWORK_GROUP}/${NETWORK_VERSION}/namespaces/${namespace}/networks`,
        )) as { items?: CciNetwork[] }
      ).items?.some((n) => n.status?.state === 'Active');
    if (!active) {
      throw kubeError(
        409,
        'Conflict',
        `namespace ${namespace} has no Active network yet; create a Network first`,
      );
    }
    const pod = this.parseObject(ctx);
    if ((pod.spec as { nodeName?: string } | undefined)?.nodeName) {
      throw kubeError(400, 'BadRequest', 'spec.nodeName must not be set: CCI places pods itself');
    }
    const problems = cciPodProblems(pod as V1Pod);
    if (problems.length > 0) {
      throw kubeError(
        400,
        'BadRequest',
        `pod ${pod.metadata?.name ?? ''} is refused by CCI: ${problems.join('; ')}`,
      );
    }
    await this.forward(ctx);
  }

  /** The pod and the container a log, exec or attach request names, as the apiserver checks them. */
  private async podContainer(
    req: IncomingMessage,
    namespace: string,
    name: string,
    requested: string | null,
  ): Promise<{ pod: V1Pod; container: string }> {
    const caller = authenticate(this.state, req, Buffer.alloc(0));
    const projectId = callerProject(caller);
    requireProject(this.state, caller, projectId);
    await this.requireNamespace(namespace, projectId);
    const pod = (await this.backendJson(`/api/v1/namespaces/${namespace}/pods/${name}`, true)) as
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
      rejectUpgrade(socket, status, (error as HttpError).code ?? 'InternalError', (error as Error).message);
    }
  }

  /** CCI's pod metrics (metrics.k8s.io shape), for the running containers (cci-metrics.ts). */
  private async podMetrics(ctx: ServiceContext, namespace: string): Promise<void> {
    await this.requireNamespace(namespace, this.project(ctx));
    const list = (await this.backendJson(`/api/v1/namespaces/${namespace}/pods`)) as { items?: V1Pod[] };
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

  private async podLog(ctx: ServiceContext, namespace: string, name: string): Promise<void> {
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

  /** Namespaces seen to belong to a project, for a second: most requests come in bursts. */
  private readonly owners = new Map<string, { projectId: string; until: number }>();

  private async requireNamespace(namespace: string, projectId: string): Promise<void> {
    const known = this.owners.get(namespace);
    if (known && known.until > Date.now() && known.projectId === projectId) return;
    const ns = (await this.backendJson(`/api/v1/namespaces/${namespace}`, true)) as KubeObject | undefined;
    const owner = ns?.metadata?.labels?.[PROJECT_LABEL];
    if (owner) this.owners.set(namespace, { projectId: owner, until: Date.now() + 1000 });
    if (!ns || owner !== projectId) {
      throw kubeError(404, 'NotFound', `namespaces "${namespace}" not found`);
    }
  }

  private backendJson(path: string, allowMissing = false): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.backendUrl),
        {
          agent: this.backendAgent,
          headers: { Authorization: `Bearer ${this.backendToken}`, Accept: 'application/json' },
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
  private forward(ctx: ServiceContext, body: Buffer = ctx.body): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.backendToken}` };
      for (const name of ['content-type', 'accept']) {
        const value = ctx.req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      if (body.length > 0) headers['content-length'] = String(body.length);
      const target = new URL(ctx.url.pathname + ctx.url.search, this.backendUrl);
      const upstream = https.request(
        target,
        { method: ctx.req.method, agent: this.backendAgent, headers },
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
