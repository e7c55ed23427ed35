// Reading an add-on template: which versions a cluster may run (newest first) and a version's install
// defaults, found by looking at the template rather than by guessing its keys.
import type { AddonTemplate, AddonTemplateVersion, AddonValues } from './cce-addons.js';

/** The cluster as the add-on API matches it: CCE's spec.type (VirtualMachine, ARM64…) and spec.version. */
export interface AddonClusterMatch {
  type?: string;
  version?: string;
}

/** Numeric dotted versions ("1.5.82" > "1.5.75"); a non-numeric part compares as text. */
export function compareAddonVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const d = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * Whether a version's supportVersions admit the cluster: an entry for its type whose regular
 * expression (查询AddonTemplates列表.md: "支持的集群版本（正则表达式）", e.g. "v1.13.*") matches its
 * whole version. A version without supportVersions is kept: the list was already asked for this
 * cluster (cluster_id), and CCE's own answer is then all there is to go by.
 */
export function supportsCluster(version: AddonTemplateVersion, cluster: AddonClusterMatch): boolean {
  const support = version.supportVersions ?? [];
  if (support.length === 0) return true;
  return support.some(
    (s) =>
      (!cluster.type || s.clusterType === cluster.type) &&
      s.clusterVersion.some((pattern) => {
        try {
          return new RegExp(`^(?:${pattern})$`).test(cluster.version ?? '');
        } catch {
          return false;
        }
      }),
  );
}

/** The template's versions this cluster may run, newest first. */
export function versionsFor(template: AddonTemplate, cluster: AddonClusterMatch): AddonTemplateVersion[] {
  return (template.spec.versions ?? [])
    .filter((v) => supportsCluster(v, cluster))
    .sort((a, b) => compareAddonVersions(b.version, a.version));
}

/**
 * A version's install defaults as instance values: `input.basic` → basic, `input.parameters.custom`
 * → custom, and the flavors the template offers (`parameters.flavor1`, `flavor2`…, as CCE's coredns
 * example names them) by name, for the caller to choose one as `flavor`. Deep copies: the caller
 * may change them.
 */
export function templateDefaults(version: AddonTemplateVersion): {
  values: AddonValues;
  flavors: Record<string, Record<string, unknown>>;
} {
  const input = structuredClone(version.input ?? {});
  const parameters = input.parameters ?? {};
  const flavors: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (/^flavor\d*$/.test(key) && value && typeof value === 'object')
      flavors[key] = value as Record<string, unknown>;
  }
  const custom = parameters.custom;
  const values: AddonValues = { basic: input.basic ?? {} };
  if (custom && typeof custom === 'object') values.custom = custom as Record<string, unknown>;
  return { values, flavors };
}
