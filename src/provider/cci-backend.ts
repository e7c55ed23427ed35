// What the runtime asks of CCI: pods (create, delete, list, watch, logs, exec, metrics), their
// events, and the ConfigMaps and Secrets they reference. CciApi, over the signed HTTP API, is the
// product's only backend. Anything with the same calls can stand in for it, as a provider stands in
// for a kubelet's container runtime in virtual-kubelet: the bench runs the runtime over an
// in-memory one, to tell the runtime's own cost from CCI's.
import type { CciApi } from '../cloud/cci.js';

export type CciBackend = Pick<
  CciApi,
  | 'createPod'
  | 'deletePod'
  | 'listPods'
  | 'watchPods'
  | 'podLog'
  | 'podMetrics'
  | 'podUpgradeRequest'
  | 'listEvents'
  | 'watchEvents'
  | 'list'
  | 'put'
  | 'remove'
>;
