// The burst label and its values (the add-on's contract with workloads, ../shared/seed/): what
// `vkctl burst` sets on a workload and what the runtime's webhook reads from its pods.
export const BURST_LABEL = 'virtual-kubelet.io/burst-to-cci';
export type BurstPolicy = 'enforce' | 'localPrefer' | 'auto' | 'off';
export const BURST_POLICIES: readonly BurstPolicy[] = ['enforce', 'localPrefer', 'auto', 'off'];
