// VPC: GET one subnet (by its "network ID") and list subnets of a VPC.
import { authenticate, requireProject } from './auth.js';
import { HttpError, route, sendJson, type Route } from './http.js';
import type { ServiceContext } from './service.js';

function getSubnet(ctx: ServiceContext, [projectId, subnetId]: string[]): void {
  const caller = authenticate(ctx.state, ctx.req, ctx.body);
  requireProject(ctx.state, caller, projectId ?? '');
  const entry = ctx.state.subnets.get(subnetId ?? '');
  if (!entry || entry.projectId !== projectId) {
    throw new HttpError(404, `Subnet ${subnetId} could not be found.`, 'VPC.0202');
  }
  sendJson(ctx.res, 200, { subnet: entry.subnet });
}

function listSubnets(ctx: ServiceContext, [projectId]: string[]): void {
  const caller = authenticate(ctx.state, ctx.req, ctx.body);
  requireProject(ctx.state, caller, projectId ?? '');
  const vpcId = ctx.url.searchParams.get('vpc_id');
  const subnets = [...ctx.state.subnets.values()]
    .filter((e) => e.projectId === projectId && (!vpcId || e.subnet.vpc_id === vpcId))
    .map((e) => e.subnet);
  sendJson(ctx.res, 200, { subnets });
}

export const vpcRoutes: Route<ServiceContext>[] = [
  route('GET', /^\/v1\/([^/]+)\/subnets\/([^/]+)$/, getSubnet),
  route('GET', /^\/v1\/([^/]+)\/subnets$/, listSubnets),
];
