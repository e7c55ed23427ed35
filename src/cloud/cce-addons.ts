// CCE's add-on API: the templates (with the versions a cluster may run and their install defaults)
// and the add-on instances (list, get, create, update, delete), as the CCE console drives them.
// Sources: huaweicloudDocs/cce `cn.zh-cn/API参考/` 创建/更新/删除/获取AddonInstance, 查询AddonTemplates列表;
// huaweicloud-sdk-go-v3 `services/cce/v3` (paths, the hidden cluster_id of the template list, the
// statuses); terraform-provider-huaweicloud `resource_huaweicloud_cce_addon.go` (which statuses end
// a wait). See docs/cci-fidelity.md.
//
// Why not the official @huaweicloud/huaweicloud-sdk-cce: npm has a single version of it, 3.0.57
// (2024-12), and (1) its ListAddonTemplatesRequest takes only addon_template_name, so it cannot ask
// which versions a cluster may run (the API's cluster_id, which the Go SDK has); (2) its core
// (@huaweicloud/huaweicloud-sdk-core) configures log4js globally when imported and writes every
// failed call to stdout, with the request's headers (access key, signature, X-Project-Id) and the
// whole axios config: that would corrupt `-o json` output and put credentials in logs, and a
// client cannot pass its own logger through ClientBuilder; (3) it would add axios, log4js, moment,
// lodash and ramda to vkctl's runtime dependencies. It can take a custom endpoint and an axios
// timeout, but the three points above remain. So these calls go through vkctl's own signed client
// (http.ts: the SDK's signing, byte-identical, a timeout on every call, the service's error codes).
import type { CloudClient } from './http.js';

export interface AddonSupportVersion {
  /** VirtualMachine, BareMetal, ARM64 (查询AddonTemplates列表.md). */
  clusterType: string;
  /** Regular expressions over the cluster's version, e.g. "v1.2[5-9].*". */
  clusterVersion: string[];
}

/** A template's version: its install defaults are `input` (basic, parameters.custom, parameters.flavorN). */
export interface AddonTemplateVersion {
  version: string;
  input?: { basic?: Record<string, unknown>; parameters?: Record<string, unknown> };
  stable?: boolean;
  translate?: Record<string, unknown>;
  supportVersions?: AddonSupportVersion[] | null;
  creationTimestamp?: string;
  updateTimestamp?: string;
}

export interface AddonTemplate {
  metadata: { uid?: string; name: string };
  spec: { type?: string; description?: string; labels?: string[]; versions?: AddonTemplateVersion[] };
}

/** huaweicloud-sdk-go-v3 model_addon_instance_status.go; a newer CCE may report others. */
export type AddonStatus =
  | 'running'
  | 'available'
  | 'abnormal'
  | 'installing'
  | 'installFailed'
  | 'upgrading'
  | 'upgradeFailed'
  | 'deleting'
  | 'deleteFailed'
  | 'deleteSuccess'
  | 'rollbacking'
  | 'rollbackFailed'
  | 'unknown';

export interface AddonInstance {
  metadata: {
    uid: string;
    name: string;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    updateTimestamp?: string;
  };
  spec: {
    clusterID: string;
    version: string;
    addonTemplateName: string;
    addonTemplateType?: string;
    description?: string;
    values?: AddonValues;
  };
  status?: {
    // An AddonStatus, or another status a newer CCE may report.
    status?: string;
    /** Why an install or upgrade failed (CCE spells it with a capital R). */
    Reason?: string;
    message?: string;
    targetVersions?: string[] | null;
    currentVersion?: AddonTemplateVersion;
    isRollbackable?: boolean;
    previousVersion?: string;
  };
}

/** An instance's values: the template's sections (each add-on has its own keys). */
export interface AddonValues {
  basic?: Record<string, unknown>;
  custom?: Record<string, unknown>;
  flavor?: Record<string, unknown>;
  [section: string]: unknown;
}

export interface AddonRequest {
  clusterId: string;
  templateName: string;
  version: string;
  /**
   * The whole set: on update a key left out takes the template's default, not its old value
   * (更新AddonInstance.md: "未填写参数将使用插件模板中的默认值").
   */
  values: AddonValues;
}

/** Statuses a wait stops at, as terraform's cce_addon resource waits (running or available). */
export const ADDON_READY_STATUSES: readonly string[] = ['running', 'available'];
/**
 * Statuses of an operation under way (the SDK's list, REF §2.3): CCE locks the instance until it
 * settles, so nothing else is asked of it meanwhile.
 */
export const ADDON_BUSY_STATUSES: readonly string[] = ['installing', 'upgrading', 'deleting', 'rollbacking'];
/** Statuses that end a wait as failed (terraform's list; REF-2 §3). */
export const ADDON_FAILED_STATUSES: readonly string[] = [
  'installFailed',
  'upgradeFailed',
  'deleteFailed',
  'rollbackFailed',
  'unknown',
];

/** The instance's status with CCE's Reason and message, e.g. "installFailed: install addon failed: …". */
export function addonStatusLine(instance: AddonInstance): string {
  const status = instance.status;
  return [status?.status ?? 'unknown', status?.Reason, status?.message].filter(Boolean).join(': ');
}

export class CceAddonApi {
  constructor(
    private readonly client: CloudClient,
    private readonly projectId: string,
  ) {}

  /**
   * GET /api/v3/addontemplates. With `clusterId` CCE lists only the versions that cluster may run
   * (a parameter the Go SDK has and the docs do not list); `versionsFor` filters again by each
   * version's supportVersions, so nothing depends on CCE honouring it.
   */
  async templates(
    query: { name?: string; clusterId?: string; version?: string } = {},
  ): Promise<AddonTemplate[]> {
    const list = await this.client.request<{ items?: AddonTemplate[] }>({
      path: '/api/v3/addontemplates',
      query: { addon_template_name: query.name, cluster_id: query.clusterId, version: query.version },
      projectId: this.projectId,
    });
    return list.items ?? [];
  }

  /** One template by name, with the versions this cluster may run; undefined if CCE has none. */
  async template(name: string, clusterId: string): Promise<AddonTemplate | undefined> {
    return (await this.templates({ name, clusterId })).find((t) => t.metadata.name === name);
  }

  /** GET /api/v3/addons?cluster_id= (optionally one template's). */
  async list(clusterId: string, templateName?: string): Promise<AddonInstance[]> {
    const list = await this.client.request<{ items?: AddonInstance[] }>({
      path: '/api/v3/addons',
      query: { cluster_id: clusterId, addon_template_name: templateName },
      projectId: this.projectId,
    });
    return list.items ?? [];
  }

  /** The cluster's instance of a template (CCE allows one), if installed. */
  async find(clusterId: string, templateName: string): Promise<AddonInstance | undefined> {
    return (await this.list(clusterId, templateName)).find((a) => a.spec.addonTemplateName === templateName);
  }

  /** GET /api/v3/addons/{id}; a CloudApiError with status 404 once it is gone. */
  get(id: string, clusterId: string): Promise<AddonInstance> {
    return this.client.request<AddonInstance>({
      path: `/api/v3/addons/${encodeURIComponent(id)}`,
      query: { cluster_id: clusterId },
      projectId: this.projectId,
    });
  }

  /** POST /api/v3/addons with annotation addon.install/type: install; CCE answers status installing. */
  create(request: AddonRequest): Promise<AddonInstance> {
    return this.client.request<AddonInstance>({
      method: 'POST',
      path: '/api/v3/addons',
      body: addonBody(request, { 'addon.install/type': 'install' }),
      projectId: this.projectId,
    });
  }

  /** PUT /api/v3/addons/{id} with addon.upgrade/type: upgrade; the values sent replace the old ones. */
  update(id: string, request: AddonRequest): Promise<AddonInstance> {
    return this.client.request<AddonInstance>({
      method: 'PUT',
      path: `/api/v3/addons/${encodeURIComponent(id)}`,
      body: addonBody(request, { 'addon.upgrade/type': 'upgrade' }),
      projectId: this.projectId,
    });
  }

  /** DELETE /api/v3/addons/{id}?cluster_id=; CCE answers "success" and the instance goes deleting. */
  async delete(id: string, clusterId: string): Promise<void> {
    await this.client.request<unknown>({
      method: 'DELETE',
      path: `/api/v3/addons/${encodeURIComponent(id)}`,
      query: { cluster_id: clusterId },
      projectId: this.projectId,
    });
  }
}

function addonBody(request: AddonRequest, annotations: Record<string, string>) {
  return {
    kind: 'Addon',
    apiVersion: 'v3',
    metadata: { annotations },
    spec: {
      clusterID: request.clusterId,
      version: request.version,
      addonTemplateName: request.templateName,
      values: request.values,
    },
  };
}
