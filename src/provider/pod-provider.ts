// The seam between the pod controller and where pods run, as virtual-kubelet's PodLifecycleHandler
// and PodNotifier: the controller is Kubernetes-only (the node's pods, their status and events, the
// decisions of reconcile), and a provider owns all of its side: how a pod is translated, what it
// refuses, what else it copies or injects, which names it uses, how its cloud's errors read. It
// reports failures as kinds (errdefs.ts), so the controller never sees an HTTP status.
// cci-provider.ts is the product's provider; the unit tests run the controller over it on an
// in-memory CCI (test/support/in-memory-cci.ts).
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';

/** A cluster pod, by namespace and name. */
export interface PodKey {
  namespace: string;
  name: string;
}

/** The provider's counterpart of a cluster pod, as the controller needs to see it. */
export interface ProviderPod {
  /**
   * The uid of the cluster pod it was made for; undefined when the provider holds a pod of that
   * name that it did not make for this node (someone else's, never to be touched).
   */
  uid: string | undefined;
  /** Asked to go, and not gone yet. */
  deleting: boolean;
  /** Changes with every change of the provider's pod: a status written once is not written again. */
  version: string;
  /**
   * What the cluster pod should show (phase, conditions, IPs, start time, its own containers),
   * without the node's address, which is the controller's; undefined until there is a phase.
   */
  status: V1PodStatus | undefined;
}

export interface PodProvider {
  /** For messages: "the CCI pod …". */
  readonly name: string;
  /** The provider's name for a cluster pod's counterpart, for messages. */
  podName(namespace: string, name: string): string;
  /**
   * Lists the provider's pods and follows them from then on; `changed` gets the cluster pod behind
   * every change. Resolves once the first list is in: before, "no pod" may mean "not listed yet".
   */
  start(changed: (pod: PodKey) => void): Promise<void>;
  /**
   * Called once both sides are listed, before anything is reconciled, with the pods bound to the
   * node: whatever the provider brings up to date after a restart (CCI: the ConfigMap and Secret
   * copies, CCI's events, unused copies collected).
   */
  resume(pods: readonly V1Pod[]): Promise<void>;
  stop(): Promise<void>;
  /** The cluster pods the provider holds a counterpart for (after a restart, leaks are found so). */
  list(): PodKey[];
  get(namespace: string, name: string): ProviderPod | undefined;
  /**
   * Creates the pod's counterpart; resolves as well when it exists already (an earlier answer was
   * lost: the notification follows). Throws Permanent when the pod can never run there.
   */
  create(pod: V1Pod): Promise<void>;
  /** Deletes the counterpart with this grace period; NotFound (or nothing) when it is gone already. */
  delete(namespace: string, name: string, gracePeriodSeconds?: number): Promise<void>;
  /**
   * Called for a pod with a counterpart, after its status is written: whatever the provider does for
   * a running pod (CCI: stop the interconnect proxy once the app containers are done). A throw has
   * it called again later.
   */
  tend(pod: V1Pod): Promise<void>;
  /** The cluster pod is gone: whatever the provider kept for it can go. */
  forget(namespace: string, name: string): void;
}
