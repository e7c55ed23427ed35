// Node heartbeats through coordination.k8s.io Leases, the way kubelets send them.
// Lease.spec.renewTime is a MicroTime (six fractional digits); client-node serializes a Date with
// three, which the apiserver rejects. So the lease is written with server-side apply and a body whose
// times are already strings, which also creates the Lease when it is missing.
import { CoordinationV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** RFC 3339 with microseconds, as Kubernetes' MicroTime expects. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface LeaseRenewal {
  name: string;
  namespace?: string;
  holderIdentity: string;
  leaseDurationSeconds: number;
  fieldManager: string;
  /** Owner reference to the Node, so the lease goes when the node does (as the kubelet sets it). */
  nodeUid?: string;
}

export async function renewLease(
  client: CoordinationV1Api,
  lease: LeaseRenewal,
  now = new Date(),
): Promise<void> {
  const namespace = lease.namespace ?? NODE_LEASE_NAMESPACE;
  const body = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: lease.name,
      namespace,
      ...(lease.nodeUid
        ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: lease.name, uid: lease.nodeUid }] }
        : {}),
    },
    spec: {
      holderIdentity: lease.holderIdentity,
      leaseDurationSeconds: lease.leaseDurationSeconds,
      renewTime: microTime(now),
    },
  };
  await client.patchNamespacedLease(
    { name: lease.name, namespace, body, fieldManager: lease.fieldManager, force: true },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  );
}

export function leaseClient(kc: KubeConfig): CoordinationV1Api {
  return kc.makeApiClient(CoordinationV1Api);
}
