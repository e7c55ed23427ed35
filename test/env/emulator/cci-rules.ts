// What CCI 1.0 refuses at pod creation, from the add-on's constraints (../shared/seed/):
// hostNetwork; volumes other than configMap, secret, emptyDir (no subPath) and PVCs; more than 5
// containers; container CPU not a multiple of 0.25 core or under 0.25; container memory under 0.2 GiB;
// requests different from limits; pod CPU outside 0.25-32 (or 48/64); pod memory not whole GiB or
// outside 1-512; CPU:memory outside 1:2-1:8. Deliberately written apart from vkctl's own rule code in
// src/, so that each checks the other. The messages are ours: CCI's exact wording is not documented.
// The interconnect proxy is an ordinary container of the pod (1.19 has no native sidecars), so it
// counts as any other: toward the 5 containers, and its size toward the pod's.
import type { V1Container, V1Pod } from '@kubernetes/client-node';

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number (cores or bytes); undefined when malformed. */
export function quantity(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/.exec(
    value.trim(),
  );
  if (!m) return undefined;
  return Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? NaN);
}

const GIB = 2 ** 30;
const EPSILON = 1e-9;
const isMultiple = (value: number, step: number) =>
  Math.abs(value / step - Math.round(value / step)) < EPSILON;

interface ContainerResources {
  cpu: number;
  memory: number;
}

function resourcesOf(container: V1Container, problems: string[]): ContainerResources {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const read = (resource: 'cpu' | 'memory') => {
    const limit = quantity(limits[resource]);
    // Kubernetes defaults an unset request to the limit.
    const request = requests[resource] === undefined ? limit : quantity(requests[resource]);
    if (limit === undefined || request === undefined) {
      problems.push(`container ${container.name}: ${resource} requests and limits are required`);
      return 0;
    }
    if (Math.abs(limit - request) > EPSILON * Math.max(1, limit)) {
      problems.push(`container ${container.name}: ${resource} requests must equal limits`);
    }
    return limit;
  };
  return { cpu: read('cpu'), memory: read('memory') };
}

/** The reasons CCI would refuse this pod; empty when it accepts it. */
export function cciPodProblems(pod: V1Pod): string[] {
  const problems: string[] = [];
  const spec = pod.spec;
  if (!spec) return ['pod has no spec'];
  if (spec.hostNetwork) problems.push('hostNetwork is not supported');
  const emptyDirs = new Set<string>();
  for (const volume of spec.volumes ?? []) {
    if (volume.emptyDir) emptyDirs.add(volume.name);
    const supported = volume.configMap ?? volume.secret ?? volume.emptyDir ?? volume.persistentVolumeClaim;
    if (!supported)
      problems.push(`volume ${volume.name}: only configMap, secret, emptyDir and PVC volumes are supported`);
  }
  const containers = spec.containers ?? [];
  const initContainers = spec.initContainers ?? [];
  const running = containers.length + initContainers.filter((c) => c.restartPolicy === 'Always').length;
  if (running > 5) problems.push(`a pod may have at most 5 containers, this one has ${running}`);
  const check = (container: V1Container): ContainerResources => {
    for (const mount of container.volumeMounts ?? []) {
      if (mount.subPath && emptyDirs.has(mount.name)) {
        problems.push(`container ${container.name}: emptyDir volume ${mount.name} does not support subPath`);
      }
    }
    const r = resourcesOf(container, problems);
    if (r.cpu > 0 && r.cpu < 0.25 - EPSILON)
      problems.push(`container ${container.name}: cpu must be at least 0.25 core`);
    if (r.cpu > 0 && !isMultiple(r.cpu, 0.25))
      problems.push(`container ${container.name}: cpu must be a multiple of 0.25 core`);
    if (r.memory > 0 && r.memory < 0.2 * GIB - 1)
      problems.push(`container ${container.name}: memory must be at least 0.2 GiB`);
    return r;
  };
  const app = containers.map(check);
  // Sidecars (restartPolicy Always) run with the app; an init container runs with the sidecars before it.
  let sidecarCpu = 0;
  let sidecarMemory = 0;
  let initCpu = 0;
  let initMemory = 0;
  for (const container of initContainers) {
    const r = check(container);
    if (container.restartPolicy === 'Always') {
      sidecarCpu += r.cpu;
      sidecarMemory += r.memory;
    } else {
      initCpu = Math.max(initCpu, r.cpu + sidecarCpu);
      initMemory = Math.max(initMemory, r.memory + sidecarMemory);
    }
  }
  const sum = (rs: ContainerResources[], key: keyof ContainerResources) => rs.reduce((t, r) => t + r[key], 0);
  const cpu = Math.max(sum(app, 'cpu') + sidecarCpu, initCpu);
  const memoryGiB = Math.max(sum(app, 'memory') + sidecarMemory, initMemory) / GIB;
  const cpuOk =
    (cpu >= 0.25 - EPSILON && cpu <= 32 + EPSILON) ||
    Math.abs(cpu - 48) < EPSILON ||
    Math.abs(cpu - 64) < EPSILON;
  if (!cpuOk) problems.push(`pod cpu ${cpu} is outside 0.25-32 cores (or exactly 48 or 64)`);
  if (!isMultiple(memoryGiB, 1))
    problems.push(`pod memory ${memoryGiB.toFixed(3)} GiB is not a whole number of GiB`);
  if (memoryGiB < 1 - EPSILON || memoryGiB > 512 + EPSILON)
    problems.push(`pod memory ${memoryGiB} GiB is outside 1-512 GiB`);
  if (cpu > 0) {
    const ratio = memoryGiB / cpu;
    if (ratio < 2 - EPSILON || ratio > 8 + EPSILON) {
      problems.push(`pod cpu:memory is 1:${ratio.toFixed(2)}; it must be between 1:2 and 1:8`);
    }
  }
  return problems;
}
