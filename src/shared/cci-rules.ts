// CCI 1.0's rules for a pod, from the add-on's constraints (../shared/seed/virtual-kubelet-addon.en.md).
// `vkctl validate` reports them for manifests; the provider runtime refuses pods that break them.
// Kubernetes semantics apply: an unset request defaults to its limit, and the pod's effective size
// is max(sum of app containers, largest init container). With interconnect on, the runtime judges
// the pod as CCI receives it, with the proxy as an ordinary container (interconnect/sidecar.ts: CCI
// is at Kubernetes 1.19, without native sidecars): it is one of the at most 5 containers, and its
// 0.25 core and 1 GiB add to the pod's size.
import type { V1Container, V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import {
  add,
  compare,
  formatQuantity,
  isMultipleOf,
  max,
  parseQuantity,
  quantity,
  ZERO,
  type Quantity,
} from './quantity.js';

export interface RuleViolation {
  rule: string;
  message: string;
  container?: string;
}

export interface PodRuleOptions {
  /** Storage classes that are SFS or SFS Turbo (CCE's csi-nas and csi-sfsturbo by default). */
  sfsStorageClasses: readonly string[];
  /** The storage class of a PVC in the pod's namespace, or undefined when it is not known. */
  pvcStorageClass: (claimName: string) => string | undefined;
}

export const DEFAULT_SFS_STORAGE_CLASSES = ['csi-nas', 'csi-sfsturbo'] as const;
export const MAX_CONTAINERS = 5;

const GIB = quantity(1n << 30n);
const CORE_STEP = quantity(1, 4);
const MIN_CONTAINER_CPU = quantity(1, 4);
/** "0.2 GB" in the constraints; read as 0.2 GiB, as CCI sizes memory in GiB. */
const MIN_CONTAINER_MEMORY = quantity(1n << 30n, 5n);
const MIN_POD_CPU = quantity(1, 4);
const MAX_POD_CPU = quantity(32);
const LARGE_POD_CPUS = [quantity(48), quantity(64)];
const MIN_POD_MEMORY_GIB = quantity(1);
const MAX_POD_MEMORY_GIB = quantity(512);
const MIN_GIB_PER_CORE = quantity(2);
const MAX_GIB_PER_CORE = quantity(8);

interface Size {
  cpu: Quantity;
  memory: Quantity;
}

function containerSize(container: V1Container, violations: RuleViolation[]): Size {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const read = (resource: 'cpu' | 'memory'): Quantity => {
    const limitText = limits[resource] as string | number | undefined;
    const requestText = (requests[resource] as string | number | undefined) ?? limitText;
    const limit = parseQuantity(limitText);
    const request = parseQuantity(requestText);
    if (limitText === undefined && requestText === undefined) {
      violations.push({
        rule: 'resources-required',
        message: `${resource} must be set (CCI sizes every container from its requests and limits)`,
        container: container.name,
      });
      return ZERO;
    }
    if (!request || (limitText !== undefined && !limit)) {
      violations.push({
        rule: 'resources-required',
        message: `${resource} quantity is not valid`,
        container: container.name,
      });
      return ZERO;
    }
    if (!limit || compare(limit, request) !== 0) {
      violations.push({
        rule: 'requests-equal-limits',
        message: `${resource} request (${requestText}) must equal its limit (${limitText ?? 'unset'})`,
        container: container.name,
      });
    }
    return request;
  };
  return { cpu: read('cpu'), memory: read('memory') };
}

function checkContainer(container: V1Container, emptyDirs: Set<string>, violations: RuleViolation[]): Size {
  for (const mount of container.volumeMounts ?? []) {
    if (emptyDirs.has(mount.name) && (mount.subPath || mount.subPathExpr)) {
      violations.push({
        rule: 'emptydir-subpath',
        message: `emptyDir volume ${mount.name} is mounted with a subPath, which CCI does not support`,
        container: container.name,
      });
    }
  }
  const before = violations.length;
  const size = containerSize(container, violations);
  // Unreadable sizes make the size rules meaningless; a request unequal to its limit does not.
  if (violations.slice(before).some((v) => v.rule === 'resources-required')) return size;
  if (compare(size.cpu, MIN_CONTAINER_CPU) < 0) {
    violations.push({
      rule: 'container-cpu-min',
      message: `cpu ${formatQuantity(size.cpu)} is below 0.25 core`,
      container: container.name,
    });
  } else if (!isMultipleOf(size.cpu, CORE_STEP)) {
    violations.push({
      rule: 'container-cpu-step',
      message: `cpu ${formatQuantity(size.cpu)} is not a multiple of 0.25 core`,
      container: container.name,
    });
  }
  if (compare(size.memory, MIN_CONTAINER_MEMORY) < 0) {
    violations.push({
      rule: 'container-memory-min',
      message: 'memory is below 0.2 GiB',
      container: container.name,
    });
  }
  return size;
}

function checkVolumes(spec: V1PodSpec, options: PodRuleOptions, violations: RuleViolation[]): Set<string> {
  const emptyDirs = new Set<string>();
  for (const volume of spec.volumes ?? []) {
    if (volume.configMap || volume.secret) continue;
    if (volume.emptyDir) {
      emptyDirs.add(volume.name);
      continue;
    }
    const claim = volume.persistentVolumeClaim?.claimName;
    if (claim) {
      const storageClass = options.pvcStorageClass(claim);
      if (storageClass === undefined) {
        violations.push({
          rule: 'volume-pvc-class',
          message: `volume ${volume.name}: the storage class of PVC ${claim} is unknown (give the PVC too)`,
        });
      } else if (!options.sfsStorageClasses.includes(storageClass)) {
        violations.push({
          rule: 'volume-pvc-class',
          message: `volume ${volume.name}: PVC ${claim} uses storage class "${storageClass}"; CCI mounts only SFS and SFS Turbo (${options.sfsStorageClasses.join(', ')})`,
        });
      }
      continue;
    }
    const type = Object.keys(volume).find((k) => k !== 'name') ?? 'unknown';
    violations.push({
      rule: 'volume-type',
      message: `volume ${volume.name}: ${type} is not supported on CCI (only configMap, secret, emptyDir and SFS/SFS Turbo PVCs)`,
    });
  }
  return emptyDirs;
}

/**
 * The pod's size as Kubernetes computes it: the app containers plus every sidecar, or an ordinary
 * init container plus the sidecars started before it, whichever is larger.
 */
function effectivePodSize(app: Size[], init: { sidecar: boolean; size: Size }[]): Size {
  const sum = (sizes: Size[]) =>
    sizes.reduce((t, s) => ({ cpu: add(t.cpu, s.cpu), memory: add(t.memory, s.memory) }), {
      cpu: ZERO,
      memory: ZERO,
    });
  const sidecars = init.filter((i) => i.sidecar).map((i) => i.size);
  let largest = sum([...app, ...sidecars]);
  const started: Size[] = [];
  for (const container of init) {
    if (container.sidecar) {
      started.push(container.size);
      continue;
    }
    const during = sum([container.size, ...started]);
    largest = { cpu: max(largest.cpu, during.cpu), memory: max(largest.memory, during.memory) };
  }
  return largest;
}

/** The add-on's constraint (../shared/seed/): DaemonSet pods never burst to CCI. */
export const DAEMONSET_VIOLATION: RuleViolation = {
  rule: 'daemonset',
  message: 'DaemonSet pods cannot burst to CCI',
};

/**
 * What a pod's owner rules out, whatever its spec: a pod of a DaemonSet belongs on every node, and
 * the virtual node is not one (a DaemonSet that tolerates every taint would otherwise land there).
 */
export function ownerViolations(metadata: V1ObjectMeta | undefined): RuleViolation[] {
  return (metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.controller)
    ? [DAEMONSET_VIOLATION]
    : [];
}

/** Every rule the pod breaks; empty when CCI would accept it. */
export function cciPodViolations(spec: V1PodSpec, options: PodRuleOptions): RuleViolation[] {
  const violations: RuleViolation[] = [];
  if (spec.hostNetwork)
    violations.push({ rule: 'host-network', message: 'hostNetwork pods cannot run on CCI' });
  const emptyDirs = checkVolumes(spec, options, violations);
  const containers = spec.containers ?? [];
  const initContainers = spec.initContainers ?? [];
  // Sidecars (init containers with restartPolicy Always) run beside the app containers, on a
  // Kubernetes that has them (1.28+). CCI's API is at 1.19, which drops the field without a word:
  // the sidecar would become an ordinary init container that never exits, and the pod would hang
  // in Init. Refused here with the reason instead; sizes are still judged as the pod means them.
  const isSidecar = (c: V1Container) => c.restartPolicy === 'Always';
  for (const sidecar of initContainers.filter(isSidecar)) {
    violations.push({
      rule: 'native-sidecar',
      container: sidecar.name,
      message: `init container ${sidecar.name} is a native sidecar (restartPolicy: Always), which CCI (Kubernetes 1.19) does not know: it would run as an ordinary init container and the pod would never start; make it an ordinary container`,
    });
  }
  const running = containers.length + initContainers.filter(isSidecar).length;
  if (running > MAX_CONTAINERS) {
    violations.push({
      rule: 'container-count',
      message: `${running} containers (sidecars included); CCI allows at most ${MAX_CONTAINERS}`,
    });
  }
  const before = violations.length;
  const app = containers.map((c) => checkContainer(c, emptyDirs, violations));
  const init = initContainers.map((c) => ({
    sidecar: isSidecar(c),
    size: checkContainer(c, emptyDirs, violations),
  }));
  // Pod-level sizes mean little when a container's own size is unreadable.
  if (violations.slice(before).some((v) => v.rule === 'resources-required')) return violations;
  const { cpu, memory } = effectivePodSize(app, init);
  const cpuInRange = compare(cpu, MIN_POD_CPU) >= 0 && compare(cpu, MAX_POD_CPU) <= 0;
  if (!cpuInRange && !LARGE_POD_CPUS.some((c) => compare(cpu, c) === 0)) {
    violations.push({
      rule: 'pod-cpu-range',
      message: `pod cpu ${formatQuantity(cpu)} is outside 0.25-32 cores (or exactly 48 or 64)`,
    });
  }
  const memoryGiB = { num: memory.num, den: memory.den * GIB.num };
  if (!isMultipleOf(memory, GIB)) {
    violations.push({
      rule: 'pod-memory-whole-gib',
      message: `pod memory ${formatQuantity(memoryGiB)} GiB is not a whole number of GiB`,
    });
  }
  if (compare(memoryGiB, MIN_POD_MEMORY_GIB) < 0 || compare(memoryGiB, MAX_POD_MEMORY_GIB) > 0) {
    violations.push({
      rule: 'pod-memory-range',
      message: `pod memory ${formatQuantity(memoryGiB)} GiB is outside 1-512 GiB`,
    });
  }
  if (cpu.num > 0n) {
    const perCore = { num: memoryGiB.num * cpu.den, den: memoryGiB.den * cpu.num };
    if (compare(perCore, MIN_GIB_PER_CORE) < 0 || compare(perCore, MAX_GIB_PER_CORE) > 0) {
      violations.push({
        rule: 'cpu-memory-ratio',
        message: `pod cpu:memory is 1:${formatQuantity(perCore)} (cores:GiB); it must be between 1:2 and 1:8`,
      });
    }
  }
  return violations;
}
