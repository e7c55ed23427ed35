// The virtual nodes Huawei's add-on registers in the cluster: `bursting-node` (CCI 2.0) and
// `virtual-kubelet` (CCI 1.0) (REF §1.2, CCI1-SCHED). Status and doctor take whichever exists.
export const MANAGED_NODE_NAMES = ['bursting-node', 'virtual-kubelet'] as const;
