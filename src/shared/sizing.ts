// How much CPU and memory the runtime needs for the pods its virtual node can hold: the rule the
// add-on's default resources (src/addon/values.ts) and doctor's capacity check
// (src/checks/capacity.ts) follow. The figures are measured by bench/profile.ts through the CCI
// emulator (the path a real CCI takes: TLS to CCI, events mirrored); docs/benchmarks.md "Sizing the
// runtime" has the runs behind them.
import { compare, parseQuantity, type Quantity } from './quantity.js';

export const RUNTIME_SIZING = {
  /** Resident memory before any pod: Node itself, the code, the clients and their buffers. */
  baseMiB: 128,
  /** Resident memory added per 1,000 pods at a burst's peak (caches, requests in flight, garbage). */
  miBPer1000Pods: 112,
  /** CPU-seconds per 1,000 pods brought up (create in CCI, status, mirrored events). */
  cpuSecondsPer1000Pods: 10,
  /** How long a burst of the node's whole capacity may take on the runtime's CPU limit alone. */
  burstSeconds: 30,
} as const;

/** How many pods a runtime with these limits carries: by memory (beyond it, OOM) and by CPU. */
export function podsCarried(limits: { cpu?: Quantity; memory?: Quantity }): {
  byMemory: number;
  byCpu: number;
} {
  const { baseMiB, miBPer1000Pods, cpuSecondsPer1000Pods, burstSeconds } = RUNTIME_SIZING;
  const mib = limits.memory ? toNumber(limits.memory) / 2 ** 20 : Infinity;
  const cores = limits.cpu ? toNumber(limits.cpu) : Infinity;
  return {
    byMemory: Math.max(0, Math.floor(((mib - baseMiB) / miBPer1000Pods) * 1000)),
    byCpu: Math.floor(((cores * burstSeconds) / cpuSecondsPer1000Pods) * 1000),
  };
}

/** The resources the rule gives a node of `pods` pods: CPU in millicores, memory in MiB (rounded up). */
export function resourcesFor(pods: number): { cpu: string; memory: string } {
  const { baseMiB, miBPer1000Pods, cpuSecondsPer1000Pods, burstSeconds } = RUNTIME_SIZING;
  const millicores = Math.ceil(((pods / 1000) * cpuSecondsPer1000Pods * 1000) / burstSeconds / 50) * 50;
  const mib = Math.ceil((baseMiB + (pods / 1000) * miBPer1000Pods) / 64) * 64;
  return { cpu: `${millicores}m`, memory: `${mib}Mi` };
}

/** Whether `resources` (as the values give them) are at least what the rule asks for `pods`. */
export function coversPods(resources: { cpu: string; memory: string }, pods: number): boolean {
  const wanted = resourcesFor(pods);
  return (['cpu', 'memory'] as const).every((kind) => {
    const have = parseQuantity(resources[kind]);
    const need = parseQuantity(wanted[kind]);
    return have !== undefined && need !== undefined && compare(have, need) >= 0;
  });
}

function toNumber(q: Quantity): number {
  return Number(q.num) / Number(q.den);
}
