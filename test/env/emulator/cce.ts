// CCE v3: GET a cluster, and the add-on API (templates and instances, in cce-addons.ts).
import { authenticate, requireProject } from './auth.js';
import { cceAddonRoutes } from './cce-addons.js';
import { HttpError, route, sendJson, type Route } from './http.js';
import type { ServiceContext } from './service.js';

function getCluster(ctx: ServiceContext, [projectId, clusterId]: string[]): void {
  const caller = authenticate(ctx.state, ctx.req, ctx.body);
  requireProject(ctx.state, caller, projectId ?? '');
  const entry = ctx.state.clusters.get(clusterId ?? '');
  if (!entry || entry.projectId !== projectId) {
    throw new HttpError(404, `cluster ${clusterId} not found`, 'CCE.01404001');
  }
  sendJson(ctx.res, 200, entry.cluster);
}

export const cceRoutes: Route<ServiceContext>[] = [
  route('GET', /^\/api\/v3\/projects\/([^/]+)\/clusters\/([^/]+)$/, getCluster),
  ...cceAddonRoutes,
];
