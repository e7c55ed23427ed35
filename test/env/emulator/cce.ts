// CCE v3: GET a cluster, and the add-on instance API (list/get/create/update/delete). Add-on paths
// name no project; it comes from the token's scope or the X-Project-Id header.
import { randomUUID } from 'node:crypto';
import { authenticate, callerProject, requireProject } from './auth.js';
import { HttpError, parseJson, route, sendJson, type Route } from './http.js';
import type { ServiceContext } from './service.js';
import type { AddonInstance } from './state.js';

function getCluster(ctx: ServiceContext, [projectId, clusterId]: string[]): void {
  const caller = authenticate(ctx.state, ctx.req, ctx.body);
  requireProject(ctx.state, caller, projectId ?? '');
  const entry = ctx.state.clusters.get(clusterId ?? '');
  if (!entry || entry.projectId !== projectId) {
    throw new HttpError(404, `cluster ${clusterId} not found`, 'CCE.01404001');
  }
  sendJson(ctx.res, 200, entry.cluster);
}

function addonProject(ctx: ServiceContext): string {
  const caller = authenticate(ctx.state, ctx.req, ctx.body);
  const projectId = callerProject(caller);
  requireProject(ctx.state, caller, projectId);
  return projectId;
}

function clusterOf(ctx: ServiceContext, projectId: string, clusterId: string | null | undefined): string {
  if (!clusterId) throw new HttpError(400, 'cluster_id is required', 'CCE.01400001');
  const entry = ctx.state.clusters.get(clusterId);
  if (!entry || entry.projectId !== projectId)
    throw new HttpError(404, `cluster ${clusterId} not found`, 'CCE.01404001');
  return clusterId;
}

function findAddon(ctx: ServiceContext, projectId: string, id: string): AddonInstance {
  const entry = ctx.state.addons.get(id);
  if (!entry || entry.projectId !== projectId)
    throw new HttpError(404, `addon instance ${id} not found`, 'CCE.01404001');
  return entry.addon;
}

function listAddons(ctx: ServiceContext): void {
  const projectId = addonProject(ctx);
  const clusterId = clusterOf(ctx, projectId, ctx.url.searchParams.get('cluster_id'));
  const items = [...ctx.state.addons.values()]
    .filter((e) => e.projectId === projectId && e.addon.spec.clusterID === clusterId)
    .map((e) => e.addon);
  sendJson(ctx.res, 200, { kind: 'Addon', apiVersion: 'v3', items });
}

interface AddonRequest {
  kind?: string;
  apiVersion?: string;
  metadata?: { annotations?: Record<string, string> };
  spec?: {
    clusterID?: string;
    version?: string;
    addonTemplateName?: string;
    values?: Record<string, unknown>;
  };
}

function createAddon(ctx: ServiceContext): void {
  const projectId = addonProject(ctx);
  const request = parseJson<AddonRequest>(ctx.body);
  if (request.kind !== 'Addon' || request.apiVersion !== 'v3') {
    throw new HttpError(400, 'kind must be "Addon" and apiVersion "v3"', 'CCE.01400001');
  }
  const clusterId = clusterOf(ctx, projectId, request.spec?.clusterID);
  const template = request.spec?.addonTemplateName;
  if (!template || !request.spec?.version) {
    throw new HttpError(400, 'spec.addonTemplateName and spec.version are required', 'CCE.01400001');
  }
  const exists = [...ctx.state.addons.values()].some(
    (e) => e.addon.spec.clusterID === clusterId && e.addon.spec.addonTemplateName === template,
  );
  if (exists)
    throw new HttpError(
      409,
      `addon ${template} is already installed in cluster ${clusterId}`,
      'CCE.01409001',
    );
  const now = new Date().toISOString();
  const addon: AddonInstance = {
    kind: 'Addon',
    apiVersion: 'v3',
    metadata: {
      uid: randomUUID(),
      name: template,
      annotations: request.metadata?.annotations,
      creationTimestamp: now,
      updateTimestamp: now,
    },
    spec: {
      clusterID: clusterId,
      version: request.spec.version,
      addonTemplateName: template,
      addonTemplateType: 'helm',
      description: `${template} add-on`,
      values: request.spec.values ?? {},
    },
    status: { status: 'running', Reason: '', message: '', currentVersion: { version: request.spec.version } },
  };
  ctx.state.addons.set(addon.metadata.uid, { projectId, addon });
  sendJson(ctx.res, 201, addon);
}

function getAddon(ctx: ServiceContext, [id]: string[]): void {
  const projectId = addonProject(ctx);
  sendJson(ctx.res, 200, findAddon(ctx, projectId, id ?? ''));
}

function updateAddon(ctx: ServiceContext, [id]: string[]): void {
  const projectId = addonProject(ctx);
  const addon = findAddon(ctx, projectId, id ?? '');
  const request = parseJson<AddonRequest>(ctx.body);
  if (request.spec?.version) {
    addon.spec.version = request.spec.version;
    addon.status.currentVersion.version = request.spec.version;
  }
  // Values are replaced whole: keys left out fall back to template defaults (CCE API reference).
  if (request.spec?.values) addon.spec.values = request.spec.values;
  addon.metadata.updateTimestamp = new Date().toISOString();
  sendJson(ctx.res, 200, addon);
}

function deleteAddon(ctx: ServiceContext, [id]: string[]): void {
  const projectId = addonProject(ctx);
  findAddon(ctx, projectId, id ?? '');
  ctx.state.addons.delete(id ?? '');
  ctx.res.writeHead(200, { 'Content-Type': 'text/plain' });
  ctx.res.end('success');
}

export const cceRoutes: Route<ServiceContext>[] = [
  route('GET', /^\/api\/v3\/projects\/([^/]+)\/clusters\/([^/]+)$/, getCluster),
  route('GET', /^\/api\/v3\/addons$/, listAddons),
  route('POST', /^\/api\/v3\/addons$/, createAddon),
  route('GET', /^\/api\/v3\/addons\/([^/]+)$/, getAddon),
  route('PUT', /^\/api\/v3\/addons\/([^/]+)$/, updateAddon),
  route('DELETE', /^\/api\/v3\/addons\/([^/]+)$/, deleteAddon),
];
