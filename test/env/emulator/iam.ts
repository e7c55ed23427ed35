// IAM: password tokens (POST /v3/auth/tokens, token in X-Subject-Token), project lookup, and agencies
// (`cci_admin_trust` exists once CCI has been authorized in its console).
import { randomBytes } from 'node:crypto';
import { authenticate, type Caller } from './auth.js';
import { HttpError, parseJson, route, sendJson, type Route } from './http.js';
import type { ServiceContext } from './service.js';

const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

interface TokenRequest {
  auth?: {
    identity?: {
      methods?: string[];
      password?: { user?: { name?: string; password?: string; domain?: { name?: string; id?: string } } };
    };
    scope?: { project?: { id?: string; name?: string }; domain?: { id?: string; name?: string } };
  };
}

function createToken(ctx: ServiceContext): void {
  const request = parseJson<TokenRequest>(ctx.body);
  const identity = request.auth?.identity;
  if (!identity?.methods?.includes('password') || !identity.password?.user) {
    throw new HttpError(400, 'auth.identity.methods must include "password" with a user', 'IAM.0007');
  }
  const user = identity.password.user;
  const account = ctx.state.accounts.find(
    (a) =>
      a.domainName === user.domain?.name || (user.domain?.id !== undefined && a.domainId === user.domain.id),
  );
  const found = account?.users.find((u) => u.name === user.name && u.password === user.password);
  if (!account || !found) throw new HttpError(401, 'The username or password is wrong.', 'IAM.0101');
  const scope = request.auth?.scope;
  let project;
  if (scope?.project) {
    project = ctx.state.projects.find(
      (p) =>
        p.domainId === account.domainId && (p.id === scope.project?.id || p.name === scope.project?.name),
    );
    if (!project) throw new HttpError(401, 'The project in the scope does not exist.', 'IAM.0102');
  }
  const token = `MII${randomBytes(48).toString('base64url')}`;
  const issuedAt = new Date();
  const expiresAt = new Date(issuedAt.getTime() + TOKEN_LIFETIME_MS);
  ctx.state.tokens.set(token, {
    token,
    domainId: account.domainId,
    projectId: project?.id,
    userId: found.id,
    expiresAt,
  });
  sendJson(
    ctx.res,
    201,
    {
      token: {
        methods: ['password'],
        issued_at: issuedAt.toISOString(),
        expires_at: expiresAt.toISOString(),
        user: { id: found.id, name: found.name, domain: { id: account.domainId, name: account.domainName } },
        ...(project
          ? {
              project: {
                id: project.id,
                name: project.name,
                domain: { id: account.domainId, name: account.domainName },
              },
            }
          : { domain: { id: account.domainId, name: account.domainName } }),
      },
    },
    { 'X-Subject-Token': token },
  );
}

function listProjects(ctx: ServiceContext, caller: Caller): void {
  const name = ctx.url.searchParams.get('name');
  const projects = ctx.state.projects
    .filter((p) => p.domainId === caller.domainId && (!name || p.name === name))
    .map((p) => ({ id: p.id, name: p.name, domain_id: p.domainId, enabled: true, is_domain: false }));
  sendJson(ctx.res, 200, { projects });
}

function listAgencies(ctx: ServiceContext, caller: Caller): void {
  const domainId = ctx.url.searchParams.get('domain_id');
  if (!domainId) throw new HttpError(400, 'domain_id is required', 'IAM.0007');
  if (domainId !== caller.domainId)
    throw new HttpError(403, 'You do not have permission to perform this action.', 'IAM.0002');
  const name = ctx.url.searchParams.get('name');
  const trustDomainId = ctx.url.searchParams.get('trust_domain_id');
  const agencies = (ctx.state.account(domainId)?.agencies ?? []).filter(
    (a) => (!name || a.name === name) && (!trustDomainId || a.trust_domain_id === trustDomainId),
  );
  sendJson(ctx.res, 200, { agencies });
}

export const iamRoutes: Route<ServiceContext>[] = [
  route('POST', /^\/v3\/auth\/tokens$/, createToken),
  route('GET', /^\/v3\/projects$/, (ctx) => listProjects(ctx, authenticate(ctx.state, ctx.req, ctx.body))),
  route('GET', /^\/v3\.0\/OS-AGENCY\/agencies$/, (ctx) =>
    listAgencies(ctx, authenticate(ctx.state, ctx.req, ctx.body)),
  ),
];
