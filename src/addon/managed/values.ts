// The values of Huawei's managed add-on, as the CCE console fills them: the chosen version's
// template defaults (its `input`), what vkctl knows of the cluster set on the keys the template
// actually has, the interconnect switch when the template has one, then --values files and --set.
// The add-on's keys are not published (REF §1.7: the API page lists some, 3rd-party code others), so
// nothing is assumed: a fact is set only where the template's defaults have its key, and
// --interconnect is refused for a version whose template has no switch.
import type { AddonTemplateVersion, AddonValues } from '../../cloud/cce-addons.js';
import { templateDefaults } from '../../cloud/cce-addon-versions.js';
import { UsageError } from '../../errors.js';
import { parseSet, readValuesFile } from '../values.js';

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The switch the console's "cross-service interconnect" tick sets (REF §1.7, CCE-API-NEW: custom.isInstallProxy). */
export const INTERCONNECT_KEY = 'isInstallProxy';

/** What vkctl knows of the cluster, by the key names the add-on's templates use (REF §1.7). */
export interface ClusterFacts {
  cluster_id: string;
  cluster_name: string;
  vpc_id: string;
  /** The node subnet's VPC network ID (CCE's spec.hostNetwork.subnet). */
  network_id: string;
  project_id: string;
  region: string;
  /** The node subnet's Neutron subnet ID ("IPv4 subnet ID", custom.subnet_id). */
  subnet_id: string;
}

export interface ManagedValueInputs {
  files?: string[];
  sets?: string[];
  /** --interconnect / --no-interconnect; undefined keeps what the base values say. */
  interconnect?: boolean;
}

/** Sets each fact on every section (basic, custom) whose defaults have its key. */
function setFacts(values: AddonValues, facts: ClusterFacts): void {
  for (const section of ['basic', 'custom'] as const) {
    const tree = values[section];
    if (!isTree(tree)) continue;
    for (const [key, value] of Object.entries(facts)) if (key in tree && value) tree[key] = value;
  }
}

/**
 * `override` over `base`. A key the defaults have keeps its type: --set replicas=2 stays a number,
 * --set custom.isInstallProxy=true stays the string CCE wants; a value of another kind is refused,
 * not converted. A key the defaults do not have is taken as written (a string from --set), since the
 * template may not list every key the add-on reads.
 */
function mergeTyped(base: Tree, override: Tree, path: string[]): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const where = [...path, key].join('.');
    const current = base[key];
    if (!(key in base)) out[key] = value;
    else if (isTree(current)) {
      if (!isTree(value)) throw new UsageError(`value "${where}" must be a mapping`);
      out[key] = mergeTyped(current, value, [...path, key]);
    } else if (typeof current === 'string')
      out[key] = isTree(value) ? fail(where, current, value) : String(value);
    else if (typeof current === typeof value || current === null) out[key] = value;
    else fail(where, current, value);
  }
  return out;
}

function fail(where: string, current: unknown, value: unknown): never {
  throw new UsageError(`value "${where}" must be a ${typeof current}, not ${JSON.stringify(value)}`);
}

/**
 * A --set as a tree: as helm's (parseSet reads "true" and "12" as boolean and number), except where
 * the key is a string in the values or is not there at all: then the text is kept as written.
 */
function typedSet(values: Tree, assignment: string): Tree {
  const parsed = parseSet(assignment);
  const eq = assignment.indexOf('=');
  const keys = assignment.slice(0, eq).split('.');
  let current: unknown = values;
  for (const key of keys) current = isTree(current) ? current[key] : undefined;
  if (typeof current !== 'string' && current !== undefined) return parsed;
  return keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), assignment.slice(eq + 1)) as Tree;
}

export interface ManagedValuesRequest {
  version: AddonTemplateVersion;
  facts: ClusterFacts;
  /** The instance's current values (upgrade): kept over the new version's defaults. */
  current?: AddonValues;
  inputs: ManagedValueInputs;
}

/** The full set of values for a create or an update (an update replaces them whole). */
export function managedValues(request: ManagedValuesRequest): AddonValues {
  const { values: defaults, flavors } = templateDefaults(request.version);
  // The first flavor the template offers (flavor1: the console's default), unless the instance has one.
  const [firstFlavor] = Object.keys(flavors).sort();
  let values: Tree = { ...defaults, ...(firstFlavor ? { flavor: flavors[firstFlavor] } : {}) };
  if (request.current) values = mergeTyped(values, request.current, []);
  setFacts(values, request.facts);
  if (request.inputs.interconnect !== undefined) {
    const custom = values.custom;
    if (!isTree(custom) || !(INTERCONNECT_KEY in custom))
      throw new UsageError(
        `add-on version ${request.version.version} has no interconnect switch (its template has no custom.${INTERCONNECT_KEY})`,
      );
    const current = custom[INTERCONNECT_KEY];
    custom[INTERCONNECT_KEY] =
      typeof current === 'boolean' ? request.inputs.interconnect : String(request.inputs.interconnect);
  }
  for (const file of request.inputs.files ?? []) values = mergeTyped(values, readValuesFile(file), []);
  for (const set of request.inputs.sets ?? []) values = mergeTyped(values, typedSet(values, set), []);
  return values;
}

/** Whether a value's key names a secret (its value is never shown). */
export function isSecretKey(key: string): boolean {
  return /(password|secret|token|private|credential|^sk$|secret_?key)/i.test(key);
}

/** Values for display: anything that looks like a secret is masked. */
export function redactedValues(values: AddonValues): AddonValues {
  const redact = (value: unknown, key: string): unknown => {
    if (isSecretKey(key)) return '<redacted>';
    if (isTree(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
    if (Array.isArray(value)) return value.map((v) => redact(v, key));
    return value;
  };
  return redact(values, '') as AddonValues;
}
