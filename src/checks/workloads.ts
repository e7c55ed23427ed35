// `vkctl validate`: which workloads in a set of manifests can burst to CCI, and why not. Reads
// multi-document YAML (and `kind: List`), finds each workload's pod template, and applies the CCI pod
// rules the runtime enforces. PVCs in the same input tell the storage class of claims.
import type { KubernetesObject, V1PodSpec } from '@kubernetes/client-node';
import { Composer, LineCounter, Parser } from 'yaml';
import { reservedNameViolations } from '../provider/interconnect/reserved.js';
import {
  cciPodViolations,
  DAEMONSET_VIOLATION,
  DEFAULT_SFS_STORAGE_CLASSES,
  type RuleViolation,
} from '../shared/cci-rules.js';
import { UsageError, firstLine } from '../errors.js';

export interface WorkloadResult {
  kind: string;
  namespace: string;
  name: string;
  burstable: boolean;
  violations: RuleViolation[];
}

export interface ValidateOptions {
  sfsStorageClasses?: readonly string[];
}

interface AnyObject extends KubernetesObject {
  spec?: Record<string, unknown>;
  items?: unknown[];
}

const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'DaemonSet'];

/** All objects in a YAML or JSON stream; throws UsageError (exit 2) on unreadable input. */
export function parseManifests(text: string, source: string): AnyObject[] {
  const objects: AnyObject[] = [];
  // One document at a time (yaml's Parser and Composer, streaming), each dropped once read:
  // parseAllDocuments keeps every document's syntax tree at once, about 100 MB per MB of input.
  // The line counter turns an error's offset into the line and column an editor shows.
  const lines = new LineCounter();
  for (const doc of new Composer().compose(new Parser(lines.addNewLine).parse(text), true)) {
    const [error] = doc.errors;
    if (error) {
      const { line, col } = lines.linePos(error.pos[0]);
      const reason = error.message.split('\n')[0]?.replace(/:\s*$/, '') ?? 'parse error';
      throw new UsageError(`${source}: not valid YAML at line ${line}, column ${col}: ${reason}`);
    }
    let value: unknown;
    try {
      // The parser refuses an alias bomb (too many aliases) here: unreadable input, like any error.
      value = doc.toJS();
    } catch (error) {
      throw new UsageError(`${source}: not valid YAML: ${firstLine(error)}`, {
        cause: error,
      });
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new UsageError(`${source}: a document is not a Kubernetes object`);
    }
    const object = value as AnyObject;
    if (object.kind === 'List' || object.kind?.endsWith('List')) {
      for (const item of object.items ?? []) if (item && typeof item === 'object') objects.push(item);
    } else {
      objects.push(object);
    }
  }
  return objects;
}

function podSpecOf(object: AnyObject): V1PodSpec | undefined {
  const spec = object.spec;
  if (!spec) return undefined;
  if (object.kind === 'Pod') return spec as unknown as V1PodSpec;
  if (object.kind === 'CronJob') {
    const jobTemplate = spec.jobTemplate as { spec?: { template?: { spec?: V1PodSpec } } } | undefined;
    return jobTemplate?.spec?.template?.spec;
  }
  return (spec.template as { spec?: V1PodSpec } | undefined)?.spec;
}

export function validateWorkloads(objects: AnyObject[], options: ValidateOptions = {}): WorkloadResult[] {
  const sfsStorageClasses = options.sfsStorageClasses ?? DEFAULT_SFS_STORAGE_CLASSES;
  const claims = new Map<string, string>();
  for (const o of objects) {
    if (o.kind !== 'PersistentVolumeClaim' || !o.metadata?.name) continue;
    const storageClass = (o.spec?.storageClassName as string | undefined) ?? '';
    claims.set(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, storageClass);
  }
  const results: WorkloadResult[] = [];
  for (const object of objects) {
    if (!object.kind || !WORKLOAD_KINDS.includes(object.kind)) continue;
    const namespace = object.metadata?.namespace ?? 'default';
    const name = object.metadata?.name ?? '';
    const violations: RuleViolation[] = [];
    if (object.kind === 'DaemonSet') {
      violations.push(DAEMONSET_VIOLATION);
    }
    const podSpec = podSpecOf(object);
    if (!podSpec) {
      violations.push({ rule: 'pod-template', message: `${object.kind} has no pod template` });
    } else {
      violations.push(
        // Whether interconnect is on is the cluster's to say, not the manifest's: names only.
        ...reservedNameViolations(podSpec, false),
        ...cciPodViolations(podSpec, {
          sfsStorageClasses,
          pvcStorageClass: (claim) => claims.get(`${namespace}/${claim}`),
        }),
      );
    }
    results.push({ kind: object.kind, namespace, name, burstable: violations.length === 0, violations });
  }
  return results;
}
