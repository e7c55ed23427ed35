// The add-on's values: defaults, then a --values file, then --set key=value, then flags, as helm
// merges them. Keys are checked (a typo is an error, not a silently ignored value). Credentials are
// kept apart from values: values are recorded in the release, credentials never are.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UsageError, firstLine } from '../errors.js';
import type { AddonCredentials, AddonValues } from '../shared/config-contract.js';
import { DEFAULT_NODE_NAME } from '../shared/names.js';

export type { AddonCredentials, AddonValues };

export function defaultValues(version: string): AddonValues {
  return {
    region: '',
    projectId: '',
    clusterId: '',
    cciNamespace: '',
    subnetId: '',
    securityGroupId: '',
    nodeName: DEFAULT_NODE_NAME,
    replicas: 1,
    // What the node's default capacity (1,000 pods) takes by the sizing rule (src/shared/sizing.ts,
    // docs/benchmarks.md "Sizing the runtime"): 350m brings 1,000 pods up within 30 s of CPU; 512Mi
    // (the managed add-on's default) is above the rule's 256Mi, headroom for a larger capacity.
    resources: { cpu: '350m', memory: '512Mi' },
    image: { registry: '', repository: 'vkctl/vkctl', tag: version, digest: '' },
    interconnect: false,
    clusterDomain: 'cluster.local',
    proxyUpstreamDns: '',
    endpoints: {},
  };
}

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `override` into `base`, refusing keys `base` does not have and values of another type. */
function mergeChecked(base: Tree, override: Tree, path: string[] = []): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const where = [...path, key].join('.');
    if (!(key in base)) throw new UsageError(`unknown value "${where}"`);
    const current = base[key];
    if (isTree(current) && key !== 'endpoints') {
      if (!isTree(value)) throw new UsageError(`value "${where}" must be a mapping`);
      out[key] = mergeChecked(current, value, [...path, key]);
    } else if (key === 'endpoints') {
      if (!isTree(value)) throw new UsageError(`value "${where}" must be a mapping of service to URL`);
      out[key] = { ...(current as Tree), ...value };
    } else if (typeof current === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
      // --set resources.cpu=2 reads "2" as a number; a string value takes it as written.
      out[key] = String(value);
    } else {
      if (typeof value !== typeof current) {
        throw new UsageError(`value "${where}" must be a ${typeof current}, not ${JSON.stringify(value)}`);
      }
      out[key] = value;
    }
  }
  return out;
}

/** `a.b=c` as a tree; "true"/"false" become booleans and whole numbers numbers, as helm's --set does. */
export function parseSet(assignment: string): Tree {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`"${assignment}": expected key=value`, { advice: { option: 'set' } });
  const keys = assignment.slice(0, eq).split('.');
  if (keys.some((k) => !/^[A-Za-z0-9_-]+$/.test(k)))
    throw new UsageError(`"${assignment}": bad key`, { advice: { option: 'set' } });
  const raw = assignment.slice(eq + 1);
  const value: unknown =
    raw === 'true' ? true : raw === 'false' ? false : /^-?\d+$/.test(raw) ? Number(raw) : raw;
  return keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Tree;
}

export function readValuesFile(file: string): Tree {
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? firstLine(error);
    throw new UsageError(`values file ${file}: ${reason}`, { cause: error });
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isTree(parsed)) throw new UsageError(`values file ${file} must be a YAML mapping`);
  return parsed;
}

export interface ValueSources {
  files?: string[];
  sets?: string[];
  /** Values from flags (region, cluster ID, --interconnect...), applied last. */
  flags?: Partial<AddonValues>;
}

export function resolveValues(
  version: string,
  sources: ValueSources,
  base?: Partial<AddonValues>,
): AddonValues {
  // A recorded release's values over this version's defaults: a key the version added gets its
  // default, one it no longer has is left behind with the old release.
  let tree = defaultValues(version) as unknown as Tree;
  if (base) tree = overlayKnown(tree, base);
  for (const file of sources.files ?? []) tree = mergeChecked(tree, readValuesFile(file));
  for (const set of sources.sets ?? []) tree = mergeChecked(tree, parseSet(set));
  const flags = Object.fromEntries(
    Object.entries(sources.flags ?? {}).filter(([, v]) => v !== undefined && v !== ''),
  );
  tree = mergeChecked(tree, flags);
  const values = tree as unknown as AddonValues;
  if (!Number.isInteger(values.replicas) || values.replicas < 1 || values.replicas > 5) {
    throw new UsageError(`replicas must be a whole number from 1 to 5, not ${values.replicas}`);
  }
  // The node's name is also a user name (system:node:<name>) and a Lease's: a DNS subdomain.
  if (!DNS_SUBDOMAIN.test(values.nodeName) || values.nodeName.length > 253)
    throw new UsageError(
      `nodeName must be a DNS subdomain (lower-case letters, digits, '-' and '.'), not ${JSON.stringify(values.nodeName)}`,
    );
  if (values.image.digest && !/^sha256:[a-f0-9]{64}$/.test(values.image.digest))
    throw new UsageError(
      `image.digest must be sha256:<64 hex digits>, not ${JSON.stringify(values.image.digest)}`,
    );
  return values;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `over`'s values for the keys `base` has (recursively; endpoints whole). */
function overlayKnown(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (!(key in base)) continue;
    const current = base[key];
    out[key] = isTree(current) && isTree(value) && key !== 'endpoints' ? overlayKnown(current, value) : value;
  }
  return out;
}

/** The values install cannot do without (each is also an install option of the same name). */
export function missingValues(values: AddonValues): (keyof AddonValues)[] {
  const missing: (keyof AddonValues)[] = [];
  if (!values.region) missing.push('region');
  if (!values.clusterId) missing.push('clusterId');
  return missing;
}

export function imageOf(values: AddonValues): string {
  const registry = values.image.registry || `swr.${values.region}.myhuaweicloud.com`;
  const digest = values.image.digest ? `@${values.image.digest}` : '';
  return `${registry}/${values.image.repository}:${values.image.tag}${digest}`;
}
