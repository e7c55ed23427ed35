// CCE's add-on API: templates (GET /api/v3/addontemplates) and instances (list, get, create, update,
// delete), with the status transitions and refusals the sources describe. "DOCS" below is
// huaweicloudDocs/cce @99b4f7e `cn.zh-cn/API参考/` (file named per rule); "REF" is
// ../shared/reference/huawei-cloud.md and huawei-cloud-2.md. Where a source is silent, the rule is
// the stricter reading and says so.
import { randomUUID } from 'node:crypto';
import { authenticate, callerProject, requireProject } from './auth.js';
import { parseJson, route, sendJson, type Route } from './http.js';
import type { ServiceContext } from './service.js';
import type { AddonEntry, AddonInstance, AddonOperation, AddonVersion } from './cce-addon-state.js';
import { compareVersions, refuseTemplateQuery, versionSupportsCluster } from './cce-addon-templates.js';
import {
  CceError,
  checkTemplateValues,
  invalid,
  notFound,
  withTemplateDefaults,
} from './cce-addon-values.js';
import type { CceCluster, EmulatorState } from './state.js';

/** The add-on API's own refusals answer in CCE's body (CceError); the gateway's (auth) pass on. */
function cceRoute(method: string, pattern: RegExp, handle: Route<ServiceContext>['handle']) {
  return route<ServiceContext>(method, pattern, async (ctx, params) => {
    try {
      await handle(ctx, params);
    } catch (error) {
      if (!(error instanceof CceError)) throw error;
      sendJson(ctx.res, error.status, { errorCode: error.code, errorMessage: error.message });
    }
  });
}

/** Add-on paths name no project: the token's scope or X-Project-Id gives it (REF §2.3). */
function addonProject(ctx: ServiceContext): string {
  const caller = authenticate(ctx.state, ctx.req, ctx.body);
  const projectId = callerProject(caller);
  requireProject(ctx.state, caller, projectId);
  return projectId;
}

function clusterOf(ctx: ServiceContext, projectId: string, clusterId: string): CceCluster {
  const entry = ctx.state.clusters.get(clusterId);
  if (!entry || entry.projectId !== projectId) throw notFound(`cluster ${clusterId} not found`);
  return entry.cluster;
}

/** Applies a transition whose time has come: the instance settles, fails, or (deleted) goes. */
function settle(state: EmulatorState, entry: AddonEntry): void {
  const transition = entry.transition;
  if (!transition || Date.now() < transition.until) return;
  entry.transition = undefined;
  const { addon } = entry;
  const failure = transition.failure;
  addon.metadata.updateTimestamp = new Date().toISOString();
  if (transition.operation === 'delete' && !failure) {
    state.addons.delete(addon.metadata.uid);
    return;
  }
  if (failure) {
    const status = failure.status ?? `${transition.operation}Failed`;
    // available (partially ready) and abnormal: the release went through, its pods are not all well,
    // so the new version is the current one (the emulator's reading; the SDK names the statuses only).
    if (transition.target && (status === 'available' || status === 'abnormal'))
      addon.status.currentVersion = transition.target;
    addon.status = { ...addon.status, status, Reason: failure.reason, message: failure.message };
    return;
  }
  if (transition.target) addon.status.currentVersion = transition.target;
  addon.status = { ...addon.status, status: 'running', Reason: '', message: '' };
}

function entries(ctx: ServiceContext, projectId: string): AddonEntry[] {
  for (const entry of [...ctx.state.addons.values()]) settle(ctx.state, entry);
  return [...ctx.state.addons.values()].filter((e) => e.projectId === projectId);
}

function findEntry(ctx: ServiceContext, projectId: string, id: string): AddonEntry {
  const entry = ctx.state.addons.get(id);
  if (entry) settle(ctx.state, entry);
  const found = ctx.state.addons.get(id);
  if (!found || found.projectId !== projectId) throw notFound(`addon instance ${id} not found`);
  // cluster_id is optional on get and delete (DOCS 获取AddonInstance详情.md, 删除AddonInstance.md); when
  // given it must be the instance's cluster (silent: the stricter reading).
  const clusterId = ctx.url.searchParams.get('cluster_id');
  if (clusterId && clusterId !== found.addon.spec.clusterID)
    throw notFound(`addon instance ${id} not found in cluster ${clusterId}`);
  return found;
}

/**
 * GET /api/v3/addontemplates (DOCS 查询AddonTemplates列表.md): addon_template_name filters (unknown:
 * an empty list, silent); cluster_id and version are the "hidden" parameters of
 * huaweicloud-sdk-go-v3 ListAddonTemplatesRequest ("查询的集群", "筛选的插件版本"): with cluster_id
 * only the versions that cluster may run are listed, and the cluster must be the caller's.
 */
function listTemplates(ctx: ServiceContext): void {
  const projectId = addonProject(ctx);
  const query = ctx.url.searchParams;
  refuseTemplateQuery(query);
  const name = query.get('addon_template_name');
  const clusterId = query.get('cluster_id');
  const cluster = clusterId ? clusterOf(ctx, projectId, clusterId) : undefined;
  const wanted = query.get('version');
  const items = ctx.state.addonTemplates
    .filter((t) => !name || t.metadata.name === name)
    .map((t) => ({
      ...t,
      spec: {
        ...t.spec,
        versions: t.spec.versions.filter(
          (v) => (!wanted || v.version === wanted) && (!cluster || versionSupportsCluster(v, cluster)),
        ),
      },
    }));
  sendJson(ctx.res, 200, { kind: 'Addon', apiVersion: 'v3', items });
}

/** GET /api/v3/addons?cluster_id= (DOCS 获取AddonInstance列表.md: cluster_id required). */
function listAddons(ctx: ServiceContext): void {
  const projectId = addonProject(ctx);
  const clusterId = ctx.url.searchParams.get('cluster_id');
  if (!clusterId) throw invalid('cluster_id is required');
  clusterOf(ctx, projectId, clusterId);
  // addon_template_name: a filter huaweicloud-sdk-go-v3 cce_meta.go lists for this call (REF-2 §3).
  const name = ctx.url.searchParams.get('addon_template_name');
  const items = entries(ctx, projectId)
    .filter((e) => e.addon.spec.clusterID === clusterId && (!name || e.addon.spec.addonTemplateName === name))
    .map((e) => e.addon);
  sendJson(ctx.res, 200, { kind: 'Addon', apiVersion: 'v3', items });
}

interface AddonRequest {
  kind?: unknown;
  apiVersion?: unknown;
  metadata?: { annotations?: Record<string, unknown> };
  spec?: { clusterID?: unknown; version?: unknown; addonTemplateName?: unknown; values?: unknown };
}

/**
 * The body both POST and PUT take (DOCS 创建AddonInstance.md / 更新AddonInstance.md 表2-4: kind
 * "Addon", apiVersion "v3", metadata, spec{version, clusterID, values, addonTemplateName} all
 * required). The annotation is documented as optional with a fixed value per operation; GSDK
 * `addons/requests.go` sends it as required, and so does the emulator (stricter).
 */
function parseRequest(ctx: ServiceContext, annotation: [string, string]) {
  const request = parseJson<AddonRequest>(ctx.body);
  if (request.kind !== 'Addon' || request.apiVersion !== 'v3')
    throw invalid('kind must be "Addon" and apiVersion "v3"');
  if (request.metadata?.annotations?.[annotation[0]] !== annotation[1])
    throw invalid(`metadata.annotations must be {"${annotation[0]}": "${annotation[1]}"}`);
  const spec = request.spec ?? {};
  for (const key of ['clusterID', 'version', 'addonTemplateName'] as const) {
    if (typeof spec[key] !== 'string' || !spec[key]) throw invalid(`spec.${key} is required`);
  }
  const values = spec.values;
  if (!values || typeof values !== 'object' || Array.isArray(values))
    throw invalid('spec.values is required');
  return {
    annotations: request.metadata?.annotations as Record<string, string>,
    clusterId: spec.clusterID as string,
    version: spec.version as string,
    templateName: spec.addonTemplateName as string,
    values: values as Record<string, unknown>,
  };
}

/** The template's version, offered for this cluster's type and version (SupportVersions). */
function offeredVersion(ctx: ServiceContext, templateName: string, version: string, cluster: CceCluster) {
  const template = ctx.state.addonTemplates.find((t) => t.metadata.name === templateName);
  // Unknown template: silent on the code, 404 chosen.
  if (!template) throw notFound(`addon template ${templateName} not found`);
  const found = template.spec.versions.find((v) => v.version === version);
  if (!found) throw invalid(`addon template ${templateName} has no version ${version}`);
  if (!versionSupportsCluster(found, cluster))
    throw invalid(
      `version ${version} of ${templateName} does not support cluster version ${cluster.spec.version} (${cluster.spec.type})`,
    );
  return { template, version: found };
}

function begin(
  ctx: ServiceContext,
  entry: AddonEntry,
  operation: AddonOperation,
  version: string,
  target?: AddonVersion,
): void {
  const ms = ctx.state.addonTimings[`${operation}Ms`];
  const failure = ctx.state.addonFaults.take(operation, entry.addon.spec.addonTemplateName, version);
  entry.transition = { operation, until: Date.now() + ms, target, failure };
}

/** POST /api/v3/addons → 201, status installing (DOCS 创建AddonInstance.md's answer). */
function createAddon(ctx: ServiceContext): void {
  const projectId = addonProject(ctx);
  const request = parseRequest(ctx, ['addon.install/type', 'install']);
  const cluster = clusterOf(ctx, projectId, request.clusterId);
  const { template, version } = offeredVersion(ctx, request.templateName, request.version, cluster);
  checkTemplateValues(request.templateName, request.values);
  // One instance per template and cluster: DOCS 错误码.md 409 CCE.03409001 "Addon instance has installed".
  const exists = entries(ctx, projectId).some(
    (e) =>
      e.addon.spec.clusterID === request.clusterId && e.addon.spec.addonTemplateName === request.templateName,
  );
  if (exists)
    throw new CceError(
      409,
      `addon ${request.templateName} is already installed in cluster ${request.clusterId}`,
      'CCE.03409001',
    );
  const now = new Date().toISOString();
  const addon: AddonInstance = {
    kind: 'Addon',
    apiVersion: 'v3',
    metadata: {
      uid: randomUUID(),
      name: request.templateName,
      annotations: request.annotations,
      creationTimestamp: now,
      updateTimestamp: now,
    },
    spec: {
      clusterID: request.clusterId,
      version: request.version,
      addonTemplateName: request.templateName,
      addonTemplateType: template.spec.type,
      addonTemplateLogo: template.spec.logoURL,
      addonTemplateLabels: template.spec.labels,
      description: template.spec.description,
      values: request.values,
    },
    status: { status: 'installing', Reason: '', message: '', targetVersions: null, currentVersion: version },
  };
  const entry: AddonEntry = { projectId, addon };
  begin(ctx, entry, 'install', request.version);
  ctx.state.addons.set(addon.metadata.uid, entry);
  sendJson(ctx.res, 201, addon);
}

function getAddon(ctx: ServiceContext, [id]: string[]): void {
  const projectId = addonProject(ctx);
  sendJson(ctx.res, 200, findEntry(ctx, projectId, id ?? '').addon);
}

/**
 * While an operation is under way the instance is locked: DOCS 错误码.md 429 CCE.01429002 "Resource
 * locked by other requests". The docs do not say which operations wait for which: the emulator
 * locks every change during installing, upgrading and deleting (stricter).
 */
function requireSettled(entry: AddonEntry): void {
  if (entry.transition)
    throw new CceError(
      429,
      `addon instance ${entry.addon.metadata.uid} is ${entry.addon.status.status}: locked by another request`,
      'CCE.01429002',
    );
}

/**
 * PUT /api/v3/addons/{id} (DOCS 更新AddonInstance.md): annotation addon.upgrade/type: upgrade; the
 * answer is 200 with status upgrading, Reason "addon upgrading" (the docs' example). Values are the
 * whole set ("升级插件时需要填写全量安装参数，未填写参数将使用插件模板中的默认值"): the instance keeps
 * what was sent, with what was left out taken from the new version's template defaults
 * (withTemplateDefaults), nothing of its old values. Going to a lower version is refused: CCE has a
 * separate rollback (status rollbacking, previousVersion, REF §2.3), the console's upgrade only goes
 * up (silent: stricter). The cluster and template cannot change.
 */
function updateAddon(ctx: ServiceContext, [id]: string[]): void {
  const projectId = addonProject(ctx);
  const entry = findEntry(ctx, projectId, id ?? '');
  const request = parseRequest(ctx, ['addon.upgrade/type', 'upgrade']);
  const { addon } = entry;
  if (request.clusterId !== addon.spec.clusterID || request.templateName !== addon.spec.addonTemplateName)
    throw invalid('spec.clusterID and spec.addonTemplateName must be the instance’s');
  requireSettled(entry);
  const cluster = clusterOf(ctx, projectId, request.clusterId);
  const { version } = offeredVersion(ctx, request.templateName, request.version, cluster);
  if (compareVersions(request.version, addon.spec.version) < 0)
    throw invalid(`cannot upgrade ${addon.spec.version} to the older ${request.version}`);
  // basic stays required as sent (GSDK requests.go marks it so); the rest falls back to defaults.
  if (!request.values.basic || typeof request.values.basic !== 'object')
    throw invalid('values.basic is required');
  const values = withTemplateDefaults(version.input, request.values);
  checkTemplateValues(request.templateName, values);
  addon.metadata.annotations = request.annotations;
  addon.metadata.updateTimestamp = new Date().toISOString();
  addon.status = {
    ...addon.status,
    status: 'upgrading',
    Reason: 'addon upgrading',
    message: '',
    previousVersion: addon.spec.version,
  };
  addon.spec.version = request.version;
  addon.spec.values = values;
  begin(ctx, entry, 'upgrade', request.version, version);
  sendJson(ctx.res, 200, addon);
}

/** DELETE /api/v3/addons/{id} → 200 "success" (DOCS 删除AddonInstance.md); deleting, then gone. */
function deleteAddon(ctx: ServiceContext, [id]: string[]): void {
  const projectId = addonProject(ctx);
  const entry = findEntry(ctx, projectId, id ?? '');
  requireSettled(entry);
  entry.addon.status = { ...entry.addon.status, status: 'deleting', Reason: '', message: '' };
  begin(ctx, entry, 'delete', entry.addon.spec.version);
  ctx.res.writeHead(200, { 'Content-Type': 'text/plain' });
  ctx.res.end('success');
}

export const cceAddonRoutes: Route<ServiceContext>[] = [
  cceRoute('GET', /^\/api\/v3\/addontemplates$/, listTemplates),
  cceRoute('GET', /^\/api\/v3\/addons$/, listAddons),
  cceRoute('POST', /^\/api\/v3\/addons$/, createAddon),
  cceRoute('GET', /^\/api\/v3\/addons\/([^/]+)$/, getAddon),
  cceRoute('PUT', /^\/api\/v3\/addons\/([^/]+)$/, updateAddon),
  cceRoute('DELETE', /^\/api\/v3\/addons\/([^/]+)$/, deleteAddon),
];
