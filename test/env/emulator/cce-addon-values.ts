// What an add-on instance's `values` must hold, as the sources document it, and the add-on API's
// own error (CCE's body, not the gateway's).
import { HttpError } from './http.js';

/**
 * An error of the add-on API itself, sent as CCE's own body {"errorCode","errorMessage"}
 * (huaweicloudDocs/cce @99b4f7e `cn.zh-cn/API参考/错误码.md`). CCE.03* is the add-on module
 * (`CCE.03409001 Addon instance has installed`); 400 CCE.03400001 and 404 CCE.03404001 are its
 * generic ones. Gateway errors (authentication) keep APIGW's body.
 */
export class CceError extends HttpError {}

export const invalid = (message: string) => new CceError(400, message, 'CCE.03400001');
export const notFound = (message: string) => new CceError(404, message, 'CCE.03404001');

type Values = Record<string, unknown>;

function isObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireStrings(section: string, values: Values, keys: string[]): void {
  for (const key of keys) {
    const value = values[key];
    if (typeof value !== 'string' || value === '')
      throw invalid(`values.${section}.${key} is required (a non-empty string)`);
  }
}

/**
 * Every template: `values.basic` is required (GSDK `openstack/cce/v3/addons/requests.go` marks it
 * `required:"true"`; TF's cce_addon resource sends `{}` when given none; REF-2 §3).
 *
 * virtual-kubelet (support.huaweicloud.com api-cce/cce_02_0367, 2025, "CCE-API-NEW"): basic, flavor
 * and custom are all mandatory; basic.cluster_id, cluster_name, vpc_id, network_id, project_id are
 * mandatory Strings; flavor.replicas is mandatory; custom.subnet_id (the IPv4 subnet ID) is a
 * mandatory String; custom.isInstallProxy is an optional String ("true" enables cross-service
 * interworking; CCE-API-OLD `virtual-kubelet.md` too), so a boolean or any other word is refused
 * (the docs give the type, not the answer to a wrong one: a 400 is the stricter reading). That the
 * request is checked against these, rather than the add-on failing later, is the emulator's choice.
 */
export function checkTemplateValues(templateName: string, values: Values): void {
  if (!isObject(values.basic)) throw invalid('values.basic is required');
  if (templateName !== 'virtual-kubelet') return;
  for (const section of ['flavor', 'custom']) {
    if (!isObject(values[section])) throw invalid(`values.${section} is required`);
  }
  const { basic, flavor, custom } = values as { basic: Values; flavor: Values; custom: Values };
  requireStrings('basic', basic, ['cluster_id', 'cluster_name', 'vpc_id', 'network_id', 'project_id']);
  if (flavor.replicas === undefined || flavor.replicas === null || flavor.replicas === '')
    throw invalid('values.flavor.replicas is required');
  requireStrings('custom', custom, ['subnet_id']);
  const proxy = custom.isInstallProxy;
  if (proxy !== undefined && proxy !== 'true' && proxy !== 'false')
    throw invalid(
      `values.custom.isInstallProxy must be the string "true" or "false", not ${JSON.stringify(proxy)}`,
    );
}

/**
 * An update's values over the target version's install defaults. DOCS 更新AddonInstance.md 表5
 * (InstanceRequestSpec.values): "升级插件时需要填写全量安装参数，未填写参数将使用插件模板中的默认值"
 * (an upgrade must give the full set; a parameter left out takes the template's default), so a key
 * left out becomes the template's default, never the instance's old value. The defaults are the
 * version's `input.basic` (→ basic) and `input.parameters.custom` (→ custom), as
 * 查询AddonTemplates列表.md's example lays them out. Which of the template's flavorN a missing
 * `flavor` would take is not said: none is filled (stricter), so an update without one is still
 * refused. Lists and scalars are taken as sent; mappings are filled key by key (the emulator's
 * reading: the doc says a left-out parameter takes its default, not at what depth).
 */
export function withTemplateDefaults(input: { basic: Values; parameters: Values }, values: Values): Values {
  const fill = (defaults: unknown, sent: unknown): unknown => {
    if (sent === undefined) return structuredClone(defaults);
    if (!isObject(defaults) || !isObject(sent)) return sent;
    const out: Values = { ...sent };
    for (const [key, value] of Object.entries(defaults)) out[key] = fill(value, sent[key]);
    return out;
  };
  const defaults: Values = { basic: input.basic };
  if (isObject(input.parameters.custom)) defaults.custom = input.parameters.custom;
  return fill(defaults, values) as Values;
}
