// Real CCI 1.0 serves the Kubernetes 1.19 API ("The CCI API corresponds to Kubernetes 1.19",
// ../shared/reference/huawei-cloud-2.md §1). A 1.19 kube-apiserver decodes a JSON body into its Go
// structs, so a field its schema does not know is dropped without an error: an init container's
// `restartPolicy: Always` (a native sidecar, Kubernetes 1.28+) simply disappears. The emulator's CCI
// backend is a 1.33 apiserver, which would keep such fields; this prunes a body to what 1.19 keeps.
//
// The schema is the published OpenAPI document of k8s.io/kubernetes v1.19.16
// (api/openapi-spec/swagger.json), which build-control-plane.sh copies into the cache; it is not a
// hand-written list. Kubernetes fact relied on: since 1.13 the apiserver's JSON decoder matches field
// names case-sensitively, so a key is known only when it is spelled exactly as in the schema.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The default of build-control-plane.sh (VKCTL_CCI_K8S_VERSION overrides both). */
export const CCI_KUBERNETES_VERSION = process.env.VKCTL_CCI_K8S_VERSION || '1.19.16';

/** The part of a Swagger 2.0 schema object the pruning reads. */
interface SchemaNode {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
}

interface BodyParameter {
  in?: string;
  schema?: SchemaNode;
}

interface Swagger {
  definitions: Record<string, SchemaNode>;
  paths: Record<string, { post?: { parameters?: BodyParameter[] }; parameters?: BodyParameter[] }>;
}

interface Schema {
  definitions: Map<string, SchemaNode>;
  /** core/v1 plural (`pods`) => definition name (`io.k8s.api.core.v1.Pod`). */
  resources: Map<string, string>;
}

export interface PruneResult {
  /** A copy of the body without the fields 1.19 does not know; values it knows are kept as they were. */
  object: unknown;
  /** JSON paths of the removed fields, e.g. `spec.initContainers[0].restartPolicy`. */
  dropped: string[];
}

/** Where build-control-plane.sh puts the document: `$VKCTL_CACHE_DIR` (default ~/.cache/vkctl). */
export function kubernetes119SwaggerPath(): string {
  // `||` as the script's ${VAR:-default}: an empty variable counts as unset.
  const cache = process.env.VKCTL_CACHE_DIR || path.join(os.homedir(), '.cache', 'vkctl');
  return path.join(cache, 'k8s-openapi', `v${CCI_KUBERNETES_VERSION}`, 'swagger.json');
}

let loaded: Schema | undefined;

/** Reads and indexes the document once per process; it is about 5 MB. */
function schema(): Schema {
  if (loaded) return loaded;
  const file = kubernetes119SwaggerPath();
  if (!existsSync(file)) {
    throw new Error(
      `the Kubernetes v${CCI_KUBERNETES_VERSION} OpenAPI document the CCI emulator prunes bodies to is missing ` +
        `(${file}); run \`npm run control-plane\` to fetch it`,
    );
  }
  const swagger = JSON.parse(readFileSync(file, 'utf8')) as Swagger;
  const definitions = new Map(Object.entries(swagger.definitions));
  loaded = { definitions, resources: coreResources(swagger) };
  return loaded;
}

/**
 * The core/v1 resources and the definition each decodes into, read from the document's own paths:
 * the body of `POST /api/v1/[namespaces/{namespace}/]<plural>` (e.g. pods => io.k8s.api.core.v1.Pod).
 */
function coreResources(swagger: Swagger): Map<string, string> {
  const resources = new Map<string, string>();
  const collection = /^\/api\/v1\/(?:namespaces\/\{namespace\}\/)?([a-z]+)$/;
  for (const [apiPath, item] of Object.entries(swagger.paths)) {
    const plural = collection.exec(apiPath)?.[1];
    if (!plural || !item.post) continue;
    const parameters = [...(item.post.parameters ?? []), ...(item.parameters ?? [])];
    const ref = parameters.find((p) => p.in === 'body')?.schema?.$ref;
    if (ref) resources.set(plural, definitionName(ref));
  }
  return resources;
}

function definitionName(ref: string): string {
  const prefix = '#/definitions/';
  if (!ref.startsWith(prefix)) throw new Error(`unexpected $ref ${ref} in the Kubernetes OpenAPI document`);
  return ref.slice(prefix.length);
}

/** The 1.19 definition a core/v1 resource's body decodes into, e.g. `io.k8s.api.core.v1.Pod`. */
export function kubernetes119Definition(resource: string): string | undefined {
  return schema().resources.get(resource);
}

/** Whether bodies of this core/v1 resource (a plural: `pods`) can be pruned; others go unchanged. */
export function isCoveredByKubernetes119(resource: string): boolean {
  return kubernetes119Definition(resource) !== undefined;
}

/**
 * What a 1.19 apiserver keeps of a body for `resource` (a core/v1 plural as the CCI path names it:
 * `pods`, `configmaps`, …). A resource the document does not cover comes back unchanged. The body is
 * not modified.
 */
export function pruneToKubernetes119(resource: string, body: unknown): PruneResult {
  const definition = kubernetes119Definition(resource);
  if (definition === undefined) return { object: body, dropped: [] };
  const dropped: string[] = [];
  const object = prune(body, { $ref: `#/definitions/${definition}` }, '', dropped);
  return { object, dropped };
}

function resolve(node: SchemaNode): SchemaNode {
  let current = node;
  for (let hops = 0; current.$ref !== undefined; hops++) {
    const name = definitionName(current.$ref);
    const target = schema().definitions.get(name);
    if (!target || hops > 32)
      throw new Error(`cannot resolve ${current.$ref} in the Kubernetes OpenAPI document`);
    current = target;
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldPath(at: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return at === '' ? key : `${at}.${key}`;
  return `${at}[${JSON.stringify(key)}]`;
}

/**
 * Walks `value` along `node`: objects with properties keep only known keys, arrays follow `items`,
 * maps follow `additionalProperties`. Anything else is a leaf Go decodes as a whole (Quantity,
 * IntOrString, Time, RawExtension, FieldsV1, `type: object` without properties) and is kept as is,
 * as is a value whose JSON type does not match (1.19 would refuse it; that is not pruning's call).
 */
function prune(value: unknown, node: SchemaNode, at: string, dropped: string[]): unknown {
  const schemaNode = resolve(node);
  if (Array.isArray(value)) {
    const items = schemaNode.items;
    if (!items) return value;
    return value.map((item, index) => prune(item, items, `${at}[${index}]`, dropped));
  }
  if (!isPlainObject(value)) return value;
  const properties = schemaNode.properties;
  if (properties) {
    const kept: [string, unknown][] = [];
    for (const [key, child] of Object.entries(value)) {
      const property = Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (property === undefined) dropped.push(fieldPath(at, key));
      else kept.push([key, prune(child, property, fieldPath(at, key), dropped)]);
    }
    // fromEntries defines own properties, so even a key named __proto__ stays plain data.
    return Object.fromEntries(kept);
  }
  const entries = schemaNode.additionalProperties;
  if (typeof entries === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [key, prune(child, entries, fieldPath(at, key), dropped)]),
    );
  }
  return value;
}
