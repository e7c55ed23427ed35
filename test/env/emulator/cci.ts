// CCI 1.0's Kubernetes-compatible API. Authenticated like every Huawei API (token or AK/SK), scoped
// to the caller's project, with CCI's own rules in front: namespaces need a flavor annotation, a
// Network must match a VPC subnet of the project and stay clear of 10.247.0.0/16, pods need an Active
// Network and must pass cci-rules.ts. What passes is forwarded to a real kube-apiserver, so watch,
// resourceVersion and conflicts behave as Kubernetes does. Pod logs come from the fake runtime.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { authenticate, callerProject, requireProject } from './auth.js';
import { cciError } from './cci-errors.js';
import { cciPodProblems } from './cci-rules.js';
import { admitNetwork } from './cci-network-rules.js';
import { NETWORK_GROUP, NETWORK_VERSION, type CciNetwork, type CciRuntime } from './cci-runtime.js';
import { CciBackendApiserver } from './cci-backend-apiserver.js';
import { CciPodStreams } from './cci-pod-streams.js';
import { isCoveredByKubernetes119, pruneToKubernetes119 } from './k8s-119-schema.js';
import { kubeError, type Route, route, sendJson } from './http.js';
import type { ServiceContext } from './service.js';
import { CCI_AGENCY_NAME, type EmulatorState } from './state.js';

export const PROJECT_LABEL = 'cci-emulator.vkctl.io/project-id';
/** The account and the region (its project's name) of a namespace, for the quota. */
const DOMAIN_LABEL = 'cci-emulator.vkctl.io/domain-id';
const REGION_LABEL = 'cci-emulator.vkctl.io/region';
/** A project is named after its region, a sub-project `<region>_<name>` (IAM projects). */
const regionOf = (projectName: string) => projectName.split('_')[0] ?? projectName;
export const FLAVOR_ANNOTATION = 'namespace.kubernetes.io/flavor';
/** Only general-computing is offered now (usermanual-cci cci_01_0001, 2025-07). */
const FLAVORS = ['general-computing'];
/** Namespaces per region per account (the same page). */
export const NAMESPACE_QUOTA = 5;

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

export class CciApi {
  /** The kube-apiserver that stores CCI's objects, reached as its admin. */
  private readonly backend: CciBackendApiserver;
  /** Logs, exec, attach and metrics of pods. */
  private readonly streams: CciPodStreams;

  constructor(
    private readonly state: EmulatorState,
    kc: KubeConfig,
    private readonly runtime: CciRuntime,
  ) {
    this.backend = new CciBackendApiserver(kc);
    this.streams = new CciPodStreams(state, this.backend, runtime, {
      authorize: (req, body) => this.authorize(req, body),
      requireNamespace: (namespace, projectId) => this.requireNamespace(namespace, projectId),
    });
  }

  /** Exec and attach: WebSocket upgrades on the pod's subresources (cci-pod-streams.ts). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    return this.streams.upgrade(req, socket, head);
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
        this.streams.podMetrics(ctx, ns ?? ''),
      ),
      route('GET', /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/, (ctx, [ns, name]) =>
        this.streams.podLog(ctx, ns ?? '', name ?? ''),
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
    // A created or replaced core object (or a pod's status) is stored as a 1.19 apiserver would.
    // Patches pass as they are: 1.19 prunes the patched result, which the 1.33 backend computes.
    const core = /^\/api\/v1\/namespaces\/[^/]+\/([a-z]+)(?:\/[^/]+(\/status)?)?$/.exec(path);
    if (core && ['POST', 'PUT'].includes(ctx.req.method ?? '') && isCoveredByKubernetes119(core[1] ?? ''))
      return this.backend.forward(ctx, this.pruned(core[1] ?? '', this.parseObject(ctx)));
    await this.backend.forward(ctx);
  }

  /**
   * The body as CCI's Kubernetes 1.19 keeps it: fields 1.19 does not know are dropped without a
   * word (k8s-119-schema.ts), so a client that depends on one finds out here, not in production.
   */
  private pruned(resource: string, body: unknown): Buffer {
    const { object, dropped } = pruneToKubernetes119(resource, body);
    if (dropped.length > 0 && process.env.VKCTL_DEBUG_EMULATOR)
      console.error(
        `cci emulator: dropped ${resource} fields unknown to Kubernetes 1.19: ${dropped.join(', ')}`,
      );
    return Buffer.from(JSON.stringify(object));
  }

  private project(ctx: ServiceContext): string {
    return this.authorize(ctx.req, ctx.body).projectId;
  }

  /**
   * The caller's project, once the gateway has authenticated the request and CCI has found the
   * account's agency: an account that has not authorized CCI gets CCI.01.401102 or CCI.01.404101 on
   * every call (CCI-DOCS 错误码.md; which of the two is not said, so state.cciUnauthorizedCode picks).
   */
  private authorize(req: IncomingMessage, body: Buffer): { projectId: string; domainId: string } {
    const caller = authenticate(this.state, req, body);
    const projectId = callerProject(caller);
    requireProject(this.state, caller, projectId);
    if (!this.state.cciAuthorized(caller.domainId)) {
      throw cciError(
        this.state.cciUnauthorizedCode,
        `account ${caller.domainId} has no ${CCI_AGENCY_NAME} agency`,
      );
    }
    return { projectId, domainId: caller.domainId };
  }

  /** JSON as clients send it, YAML otherwise (yaml's parser took 7 % of the emulator's CPU on JSON). */
  private parseObject(ctx: ServiceContext): KubeObject {
    const text = ctx.body.toString('utf8');
    try {
      return JSON.parse(text) as KubeObject;
    } catch {
      // not JSON: YAML, below
    }
    try {
      return parseYaml(text) as KubeObject;
    } catch {
      throw kubeError(400, 'BadRequest', 'request body is neither JSON nor YAML');
    }
  }

  /**
   * CCI-DOCS 创建Namespace.md: annotation namespace.kubernetes.io/flavor is required (CCI.02.400111
   * when missing, CCI.02.400110 when not offered: only general-computing is offered now, usermanual-cci
   * cci_01_0001, 2025-07); at most 5 namespaces per region per account (same page; CCI.02.400106);
   * names are unique across all accounts (CCI.02.409101); the answer carries the
   * tenant.kubernetes.io/* annotations, which the caller cannot set.
   */
  private async createNamespace(ctx: ServiceContext): Promise<void> {
    const { projectId, domainId } = this.authorize(ctx.req, ctx.body);
    const ns = this.parseObject(ctx);
    const name = ns.metadata?.name ?? '';
    const flavor = ns.metadata?.annotations?.[FLAVOR_ANNOTATION];
    if (!flavor) throw cciError('CCI.02.400111', `annotation ${FLAVOR_ANNOTATION} is required`);
    if (!FLAVORS.includes(flavor))
      throw cciError('CCI.02.400110', `flavor ${flavor}; offered: ${FLAVORS.join(', ')}`);
    if (await this.backend.json(`/api/v1/namespaces/${encodeURIComponent(name)}`, true))
      throw cciError('CCI.02.409101', `namespace ${name} exists (in this or another account)`);
    // Per region per account: every project of the account in this region counts.
    const region = regionOf(this.state.project(projectId)?.name ?? '');
    const owned = (await this.backend.json(
      `/api/v1/namespaces?labelSelector=${encodeURIComponent(`${DOMAIN_LABEL}=${domainId},${REGION_LABEL}=${region}`)}`,
    )) as { items?: unknown[] };
    if ((owned.items?.length ?? 0) >= NAMESPACE_QUOTA)
      throw cciError('CCI.02.400106', `${owned.items?.length} of ${NAMESPACE_QUOTA} namespaces used`);
    const account = this.state.account(domainId);
    ns.metadata = {
      ...ns.metadata,
      labels: {
        ...ns.metadata?.labels,
        [PROJECT_LABEL]: projectId,
        [DOMAIN_LABEL]: domainId,
        [REGION_LABEL]: regionOf(this.state.project(projectId)?.name ?? ''),
      },
      annotations: {
        ...ns.metadata?.annotations,
        'tenant.kubernetes.io/domain-id': domainId,
        'tenant.kubernetes.io/domain-name': account?.domainName ?? '',
        'tenant.kubernetes.io/project-id': projectId,
        'tenant.kubernetes.io/project-name': regionOf(this.state.project(projectId)?.name ?? ''),
      },
    };
    await this.backend.forward(ctx, this.pruned('namespaces', ns));
  }

  private async listNamespaces(ctx: ServiceContext): Promise<void> {
    const projectId = this.project(ctx);
    const given = ctx.url.searchParams.get('labelSelector');
    ctx.url.searchParams.set(
      'labelSelector',
      [given, `${PROJECT_LABEL}=${projectId}`].filter(Boolean).join(','),
    );
    await this.backend.forward(ctx);
  }

  /** cci-network-rules.ts decides; the answer is the stored Network in state Initializing. */
  private async createNetwork(ctx: ServiceContext, namespace: string): Promise<void> {
    const caller = this.authorize(ctx.req, ctx.body);
    await this.requireNamespace(namespace, caller.projectId);
    const network = admitNetwork(this.state, caller, this.parseObject(ctx));
    const base = `/apis/${NETWORK_GROUP}/${NETWORK_VERSION}/namespaces/${namespace}/networks`;
    const created = await this.backend.send('POST', base, network);
    if (created.status !== 201) return sendJson(ctx.res, created.status, created.body);
    const name = (created.body as CciNetwork).metadata?.name ?? '';
    const initializing = await this.backend.send('PATCH', `${base}/${name}/status`, {
      status: { state: 'Initializing' },
    });
    sendJson(ctx.res, 201, initializing.status === 200 ? initializing.body : created.body);
  }

  /**
   * CCI-DOCS 创建Pod.md and Namespace和Network.md: a namespace takes pods once its Network is
   * ready (the docs call a namespace without one "abnormal" and give no answer for it: a 409 is the
   * stricter reading, a refusal, never a silent accept). spec.nodeName: CCI schedules pods itself, a
   * pod naming a node is refused (silent in the docs; refused as the stricter reading). Then the
   * add-on's pod rules (cci-rules.ts, from ../shared/seed/).
   */
  private async createPod(ctx: ServiceContext, namespace: string): Promise<void> {
    const projectId = this.project(ctx);
    await this.requireNamespace(namespace, projectId);
    // The runtime's cache answers at once; only a miss (a Network activated a moment ago) asks.
    const active =
      this.runtime.hasActiveNetwork(namespace) ||
      (
        (await this.backend.json(
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
    // Decoded (pruned to 1.19) first, then judged, as an apiserver decodes before admission.
    const body = this.pruned('pods', this.parseObject(ctx));
    const pod = JSON.parse(body.toString('utf8')) as KubeObject;
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
    await this.backend.forward(ctx, body);
  }

  /** Namespaces seen to belong to a project, for a second: most requests come in bursts. */
  private readonly owners = new Map<string, { projectId: string; until: number }>();

  private async requireNamespace(namespace: string, projectId: string): Promise<void> {
    const known = this.owners.get(namespace);
    if (known && known.until > Date.now() && known.projectId === projectId) return;
    const ns = (await this.backend.json(`/api/v1/namespaces/${namespace}`, true)) as KubeObject | undefined;
    const owner = ns?.metadata?.labels?.[PROJECT_LABEL];
    if (owner) this.owners.set(namespace, { projectId: owner, until: Date.now() + 1000 });
    if (!ns || owner !== projectId) {
      throw kubeError(404, 'NotFound', `namespaces "${namespace}" not found`);
    }
  }
}
