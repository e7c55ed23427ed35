// The runtime inside the add-on's own resource limits: the CPU and memory limits of the installed
// Deployment's runtime container (rendered from manifests/, never written down here), enforced on
// the benchmarked process by a cgroup as the kubelet would: a CPU quota (cpu.max, or
// cpu.cfs_quota_us on cgroup v1) and a memory limit (memory.max, or memory.limit_in_bytes) whose
// breach is an OOM kill. The process starts inside its group (a shell writes its own pid to
// cgroup.procs, then execs it), so everything it allocates is charged there from the start and Node
// sizes its heap from the limit, as in a container; memory charged before a move would not follow it.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { renderManifests } from '../src/addon/render.js';
import { defaultValues } from '../src/addon/values.js';
import { parseQuantity } from '../src/shared/quantity.js';

export interface ContainerLimits {
  /** As written in the manifest, e.g. 250m and 512Mi. */
  cpu: string;
  memory: string;
  cpuCores: number;
  memoryBytes: number;
  /** Where they were read: the version's Deployment and container. */
  source: string;
}

/** The Deployment that `version`'s manifests render with the default values. */
function providerDeployment(version: string): V1Deployment | undefined {
  const none = { cert: '', key: '' };
  const objects = renderManifests({
    version,
    namespace: 'kube-system',
    values: defaultValues(version),
    credentials: { accessKey: '', secretKey: '' },
    webhook: { caCert: '', caKey: '', ...none },
    node: none,
  });
  return objects.find((o): o is V1Deployment => o.kind === 'Deployment');
}

const providerContainer = (deployment: V1Deployment | undefined) =>
  deployment?.spec?.template.spec?.containers.find((c) => c.name === 'provider');

/** The runtime container's limits in the Deployment that `version`'s manifests render by default. */
export function installedLimits(version = '0.2.0'): ContainerLimits {
  const deployment = providerDeployment(version);
  const container = providerContainer(deployment);
  const cpu = container?.resources?.limits?.cpu;
  const memory = container?.resources?.limits?.memory;
  const cpuQ = parseQuantity(cpu);
  const memoryQ = parseQuantity(memory);
  if (!cpuQ || !memoryQ)
    throw new Error(
      `manifests/${version}: the provider container of the Deployment has no CPU and memory limits`,
    );
  return {
    cpu: String(cpu),
    memory: String(memory),
    cpuCores: Number(cpuQ.num) / Number(cpuQ.den),
    memoryBytes: Math.round(Number(memoryQ.num) / Number(memoryQ.den)),
    source: `manifests/${version}, Deployment ${deployment?.metadata?.name}, container provider`,
  };
}

/** NODE_OPTIONS of the runtime container in the Deployment `version`'s manifests render, or ''. */
export function installedNodeOptions(version = '0.2.0'): string {
  const container = providerContainer(providerDeployment(version));
  return container?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
}

/** One process's cgroup: how to start a command inside it, and what it recorded. */
/**
 * What a group holds the runtime to: the installed CPU and memory limits, or the memory limit alone
 * (so that Node sizes its heap as in the container, while the CPU is not throttled).
 */
export type LimitScope = 'cpu and memory' | 'memory';

export interface LimitGroup {
  mechanism: 'cgroup v2' | 'cgroup v1';
  scope: LimitScope;
  /** Prefix for spawn: the command and its arguments follow (`sh -c '…; exec "$@"' sh CMD ARGS`). */
  launcher: string[];
  /** Times the kernel OOM-killed a process of the group. */
  oomKills(): number;
  /** Seconds the group was held back by its CPU quota. */
  throttledSeconds(): number;
  /** The group's peak memory charge (RSS and page cache it caused), MiB. */
  peakMemoryMiB(): number;
  remove(): void;
}

const ROOT = '/sys/fs/cgroup';
const PERIOD_US = 100_000;
const read = (file: string) => readFileSync(file, 'utf8');
const field = (text: string, name: string) =>
  Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

function launcher(procsFiles: string[]): string[] {
  const join = procsFiles.map((f) => `echo $$ > ${f}`).join(' && ');
  return ['sh', '-c', `${join} && exec "$@"`, 'sh'];
}

/** cgroup v2 with the cpu and memory controllers (a unified hierarchy at /sys/fs/cgroup). */
function v2Group(name: string, limits: ContainerLimits, scope: LimitScope): LimitGroup {
  writeFileSync(path.join(ROOT, 'cgroup.subtree_control'), '+cpu +memory');
  const dir = path.join(ROOT, name);
  mkdirSync(dir);
  // With the memory limit alone the group has no quota, but cgroup v2 still weighs it as one against
  // its siblings: unlike v1 below, it cannot stay out of CPU scheduling.
  const quota = scope === 'memory' ? 'max' : String(Math.round(limits.cpuCores * PERIOD_US));
  writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
  writeFileSync(path.join(dir, 'memory.max'), String(limits.memoryBytes));
  if (existsSync(path.join(dir, 'memory.swap.max'))) writeFileSync(path.join(dir, 'memory.swap.max'), '0');
  return {
    mechanism: 'cgroup v2',
    scope,
    launcher: launcher([path.join(dir, 'cgroup.procs')]),
    oomKills: () => field(read(path.join(dir, 'memory.events')), 'oom_kill'),
    throttledSeconds: () => field(read(path.join(dir, 'cpu.stat')), 'throttled_usec') / 1e6,
    peakMemoryMiB: () =>
      existsSync(path.join(dir, 'memory.peak'))
        ? Math.round(Number(read(path.join(dir, 'memory.peak'))) / 2 ** 20)
        : NaN,
    remove: () => rmdirSync(dir),
  };
}

/** cgroup v1: the cpu and memory hierarchies mounted apart (/sys/fs/cgroup/cpu, …/memory). */
function v1Group(name: string, limits: ContainerLimits, scope: LimitScope): LimitGroup {
  // The memory limit alone: no cpu group at all, since a group of its own is scheduled as one task
  // against every thread of the processes beside it (the apiserver's, etcd's), which starves it.
  const cpu = scope === 'memory' ? undefined : path.join(ROOT, 'cpu', name);
  const memory = path.join(ROOT, 'memory', name);
  if (cpu) mkdirSync(cpu);
  try {
    mkdirSync(memory);
  } catch (error) {
    if (cpu) rmdirSync(cpu);
    throw error;
  }
  if (cpu) {
    writeFileSync(path.join(cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(path.join(cpu, 'cpu.cfs_quota_us'), String(Math.round(limits.cpuCores * PERIOD_US)));
  }
  writeFileSync(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
  // Memory plus swap at the same limit: no swapping past it, as a Kubernetes node runs.
  const memsw = path.join(memory, 'memory.memsw.limit_in_bytes');
  if (existsSync(memsw)) writeFileSync(memsw, String(limits.memoryBytes));
  return {
    mechanism: 'cgroup v1',
    scope,
    launcher: launcher([...(cpu ? [path.join(cpu, 'cgroup.procs')] : []), path.join(memory, 'cgroup.procs')]),
    oomKills: () => field(read(path.join(memory, 'memory.oom_control')), 'oom_kill'),
    throttledSeconds: () => (cpu ? field(read(path.join(cpu, 'cpu.stat')), 'throttled_time') / 1e9 : 0),
    peakMemoryMiB: () => Math.round(Number(read(path.join(memory, 'memory.max_usage_in_bytes'))) / 2 ** 20),
    remove: () => {
      if (cpu) rmdirSync(cpu);
      rmdirSync(memory);
    },
  };
}

/**
 * A fresh cgroup with `limits`, or why this machine gives none (not root, no cpu and memory
 * controllers, a read-only /sys/fs/cgroup): then the bench reports CPU seconds ÷ the CPU limit, the
 * least time the burst could take inside the quota, instead.
 */
export function limitGroup(
  name: string,
  limits: ContainerLimits,
  scope: LimitScope = 'cpu and memory',
): LimitGroup | { unavailable: string } {
  const attempts: string[] = [];
  const controllers = path.join(ROOT, 'cgroup.controllers');
  if (existsSync(controllers) && /\bcpu\b/.test(read(controllers)) && /\bmemory\b/.test(read(controllers))) {
    try {
      return v2Group(name, limits, scope);
    } catch (error) {
      attempts.push(`cgroup v2 at ${ROOT}: ${(error as Error).message}`);
    }
  } else attempts.push(`no cgroup v2 cpu and memory controllers at ${ROOT}`);
  if (
    existsSync(path.join(ROOT, 'cpu', 'cpu.cfs_quota_us')) &&
    existsSync(path.join(ROOT, 'memory', 'memory.limit_in_bytes'))
  ) {
    try {
      return v1Group(name, limits, scope);
    } catch (error) {
      attempts.push(`cgroup v1: ${(error as Error).message}`);
    }
  } else attempts.push('no cgroup v1 cpu and memory hierarchies');
  return { unavailable: attempts.join('; ') };
}
