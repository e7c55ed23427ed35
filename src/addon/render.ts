// Renders a version's manifests (manifests/<version>/*.yaml, mustache templates) into Kubernetes
// objects: every value is inserted as a quoted YAML string unless the template asks for it raw
// ({{{x}}}), every object gets vkctl's labels, and objects come back in the order to apply them.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import Mustache from 'mustache';
import { parseAllDocuments, stringify } from 'yaml';
import { burstNamespace } from '../cloud/cci.js';
import { UsageError } from '../errors.js';
import { MANAGED_BY_LABEL, PART_OF_LABEL, RELEASE_NAMESPACE_LABEL } from '../shared/names.js';
import { imageOf, type AddonCredentials, type AddonValues } from './values.js';
import type { NodeCredentials } from './node-credentials.js';

export const VERSION_LABEL = 'vkctl.io/version';
export const MANIFESTS_ROOT = fileURLToPath(new URL('../../manifests', import.meta.url));

/** Dependency order: what others refer to first; the webhook last, once its Service exists. */
export const APPLY_ORDER = [
  'Namespace',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Secret',
  'ConfigMap',
  'Service',
  'Deployment',
  'PodDisruptionBudget',
  'MutatingWebhookConfiguration',
];

export interface WebhookCertificates {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

export interface RenderInput {
  version: string;
  namespace: string;
  values: AddonValues;
  credentials: AddonCredentials;
  webhook: WebhookCertificates;
  /** The runtime's node client certificate (versions from 0.2.0 render it into a Secret). */
  node?: NodeCredentials;
  /** Where to look for <version>/ directories, in order; the package's manifests/ by default. */
  manifestsRoot?: string | readonly string[];
}

/** What the runtime reads from its ConfigMap. */
export function providerConfig(values: AddonValues, namespace: string): Record<string, unknown> {
  return {
    region: values.region,
    projectId: values.projectId,
    clusterId: values.clusterId,
    cciNamespace: values.cciNamespace || burstNamespace(values.clusterId),
    subnetId: values.subnetId,
    securityGroupId: values.securityGroupId,
    nodeName: values.nodeName,
    interconnect: values.interconnect,
    ...(values.interconnect
      ? {
          proxy: {
            image: imageOf(values),
            namespace,
            clusterDomain: values.clusterDomain,
            upstreamDns: values.proxyUpstreamDns,
          },
        }
      : {}),
    endpoints: values.endpoints,
  };
}

/** Whether a version's manifests hold the runtime's node credentials (versions from 0.2.0). */
export function usesNodeCredentials(version: string, roots?: string | readonly string[]): boolean {
  const dir = manifestsDir(version, roots);
  return readdirSync(dir).some(
    (file) => file.endsWith('.yaml') && readFileSync(path.join(dir, file), 'utf8').includes('{{node.cert}}'),
  );
}

/** The directory of a version's manifests, or a usage error naming the version. */
export function manifestsDir(version: string, roots: string | readonly string[] = MANIFESTS_ROOT): string {
  for (const root of typeof roots === 'string' ? [roots] : roots) {
    const dir = path.join(root, version);
    if (existsSync(dir)) return dir;
  }
  throw new UsageError(`unknown version ${version}: no manifests for it`);
}

function orderOf(kind: string | undefined): number {
  const i = APPLY_ORDER.indexOf(kind ?? '');
  return i < 0 ? APPLY_ORDER.length : i;
}

export function renderManifests(input: RenderInput): KubernetesObject[] {
  const dir = manifestsDir(input.version, input.manifestsRoot);
  const config = stringify(providerConfig(input.values, input.namespace));
  const node = input.node ?? { cert: '', key: '' };
  const view = {
    // What the runtime reads only when it starts (its config, credentials and certificates): on the
    // pod template, so that a change to any of them rolls the Deployment.
    inputsChecksum: createHash('sha256')
      .update(
        [
          config,
          input.credentials.accessKey,
          input.credentials.secretKey,
          input.webhook.cert,
          node.cert,
        ].join('\0'),
      )
      .digest('hex'),
    namespace: input.namespace,
    accessKey: input.credentials.accessKey,
    secretKey: input.credentials.secretKey,
    webhook: { ...input.webhook, caBundle: Buffer.from(input.webhook.caCert).toString('base64') },
    node,
    providerConfig: config,
    replicas: input.values.replicas,
    image: imageOf(input.values),
    resources: input.values.resources,
    interconnect: input.values.interconnect,
  };
  const objects: KubernetesObject[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const text = Mustache.render(
      readFileSync(path.join(dir, file), 'utf8'),
      view,
      {},
      { escape: (v: unknown) => JSON.stringify(String(v)) },
    );
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0)
        throw new Error(`manifests/${input.version}/${file}: ${doc.errors[0]?.message}`);
      const object = doc.toJS() as KubernetesObject | null;
      if (!object) continue;
      object.metadata = {
        ...object.metadata,
        labels: {
          ...object.metadata?.labels,
          [MANAGED_BY_LABEL]: 'vkctl',
          [PART_OF_LABEL]: 'vkctl',
          [VERSION_LABEL]: input.version,
          [RELEASE_NAMESPACE_LABEL]: input.namespace,
        },
      };
      objects.push(object);
    }
  }
  return objects.sort((a, b) => orderOf(a.kind) - orderOf(b.kind));
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function refOf(object: KubernetesObject): ObjectRef {
  return {
    apiVersion: object.apiVersion ?? 'v1',
    kind: object.kind ?? '',
    ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
    name: object.metadata?.name ?? '',
  };
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** The objects as YAML, with Secret contents replaced: rendered manifests are shown, secrets never. */
export function manifestYaml(objects: readonly KubernetesObject[]): string {
  return objects
    .map((o) => {
      const copy = structuredClone(o) as KubernetesObject & {
        stringData?: Record<string, string>;
        data?: Record<string, string>;
      };
      if (copy.kind === 'Secret') {
        for (const field of ['stringData', 'data'] as const) {
          const entries = copy[field];
          if (entries) for (const key of Object.keys(entries)) entries[key] = '<redacted>';
        }
      }
      return stringify(copy);
    })
    .join('---\n');
}

/** Identifies what install would apply for these values: same digest, nothing to change. */
export function valuesDigest(version: string, values: AddonValues): string {
  return createHash('sha256').update(JSON.stringify({ version, values })).digest('hex');
}
