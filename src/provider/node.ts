// The virtual node: registered with vkctl's labels and the provider taint (so only pods that
// tolerate it land here), a capacity, Ready conditions, an address and the kubelet endpoint; kept
// alive by a Lease renewed every 10 s (40 s duration), as kubelets do; registered again if someone
// deletes it. Each heartbeat moves the conditions' lastHeartbeatTime; their lastTransitionTime
// stays when their status was last set, as a kubelet keeps it: compared, as the kubelet compares
// them, with the Node as it is now, so a status someone else set in between (the node-lifecycle
// controller's Ready Unknown while heartbeats failed) counts as a transition when ours replaces it.
import {
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Node,
  type V1NodeCondition,
} from '@kubernetes/client-node';
import { renewLease } from '../kube/lease.js';
import { healthyNodeConditions, keepTransitionTimes } from '../kube/node-conditions.js';
import { errorText, type Logger } from './logger.js';
import { isConflict, isNotFound } from '../kube/errors.js';
import { mergePatch } from '../kube/merge-patch.js';

export const PROVIDER_TAINT = {
  key: 'virtual-kubelet.io/provider',
  value: 'huawei-cci',
  effect: 'NoSchedule',
} as const;
export const NODE_TYPE_LABEL = { type: 'virtual-kubelet' } as const;
const LEASE_DURATION_SECONDS = 40;
/**
 * CCI's documented disk space of one pod when nothing is mounted: "Each pod can be allocated with a
 * maximum of 20 GB disk space" (CCI API reference, Notes and Constraints, Pod Storage Space). The
 * node offers that much ephemeral storage per pod it takes, so a pod that asks for some is placed
 * here as on any node, and one that asks for more than a CCI pod has cannot fit anywhere in sum.
 */
const EPHEMERAL_STORAGE_GI_PER_POD = 20;

/** The node's capacity: the configured CPU, memory and pods, and ephemeral storage for those pods. */
export function nodeCapacity(capacity: VirtualNodeOptions['capacity']): Record<string, string> {
  const pods = Number.parseInt(capacity.pods, 10);
  return Number.isFinite(pods) && pods > 0
    ? { ...capacity, 'ephemeral-storage': `${pods * EPHEMERAL_STORAGE_GI_PER_POD}Gi` }
    : { ...capacity };
}

export interface VirtualNodeOptions {
  name: string;
  capacity: { cpu: string; memory: string; pods: string };
  /** The address the apiserver reaches the kubelet API at. */
  address: string;
  kubeletPort: number;
  version: string;
  renewIntervalMs?: number;
  /** Told of each heartbeat's result (the runtime's metrics). */
  onRenewal?: (ok: boolean) => void;
  /**
   * The node's Lease is the leader election's lock (a node may write no other Lease): the elector
   * renews it, only while this node's heartbeats succeed, and the heartbeat leaves it alone.
   */
  leaseIsLeaderLock?: boolean;
}

/** The kubelet's nodeStatusUpdateRetry: tries of one status update that meets conflicts. */
const NODE_STATUS_UPDATE_RETRY = 5;

export class VirtualNode {
  private readonly core: CoreV1Api;
  private readonly leases: CoordinationV1Api;
  private timer: NodeJS.Timeout | undefined;
  private uid: string | undefined;
  renewals = 0;
  /** When the node's status was last written (ms); 0 before the first heartbeat. */
  lastHeartbeat = 0;

  constructor(
    kc: KubeConfig,
    private readonly options: VirtualNodeOptions,
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.leases = kc.makeApiClient(CoordinationV1Api);
  }

  async start(): Promise<void> {
    await this.register();
    await this.heartbeat();
    this.timer = setInterval(() => {
      this.heartbeat().then(
        () => this.options.onRenewal?.(true),
        (error: unknown) => {
          this.options.onRenewal?.(false);
          this.log.warn('node heartbeat failed', { node: this.options.name, error: errorText(error) });
        },
      );
    }, this.options.renewIntervalMs ?? 10_000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private body(previous: readonly V1NodeCondition[] | undefined): V1Node {
    const { name } = this.options;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        // Only labels a kubelet may set: NodeRestriction refuses a node's own kubernetes.io/ and
        // k8s.io/ labels outside its short list (so no kubernetes.io/role, which upstream sets).
        labels: {
          ...NODE_TYPE_LABEL,
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/exclude-from-external-load-balancers': 'true',
        },
      },
      spec: { taints: [{ ...PROVIDER_TAINT }] },
      status: this.status(previous),
    };
  }

  /**
   * The conditions now, with the transition times of those whose status has not changed since
   * `previous` (the Node's conditions as the apiserver has them; none for a node created now).
   */
  private currentConditions(previous: readonly V1NodeCondition[] | undefined): V1NodeCondition[] {
    const now = new Date();
    return keepTransitionTimes(
      [
        ...healthyNodeConditions(now, 'vkctl provider on CCI'),
        {
          type: 'NetworkUnavailable',
          status: 'False',
          reason: 'RouteCreated',
          message: 'CCI',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      previous,
    );
  }

  private status(previous: readonly V1NodeCondition[] | undefined): V1Node['status'] {
    const capacity = nodeCapacity(this.options.capacity);
    return {
      capacity,
      allocatable: capacity,
      conditions: this.currentConditions(previous),
      // Only the runtime's IP: the apiserver tries a Hostname address first, and no DNS resolves
      // the virtual node's name, so `kubectl logs` would fail on it.
      addresses: [{ type: 'InternalIP', address: this.options.address }],
      daemonEndpoints: { kubeletEndpoint: { Port: this.options.kubeletPort } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'cci://1.0',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion: `vkctl-${this.options.version}`,
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'Huawei Cloud CCI',
        systemUUID: '',
      },
    };
  }

  private async register(): Promise<void> {
    // A node (re)created now starts its conditions now.
    let body = this.body(undefined);
    try {
      this.uid = (await this.core.createNode({ body })).metadata?.uid;
      this.log.info('registered the virtual node', { node: this.options.name });
    } catch (error) {
      if (!isConflict(error)) throw error;
      const existing = await this.core.readNode({ name: this.options.name });
      this.uid = existing.metadata?.uid;
      // A restart is no transition: the node's conditions keep the times they already have.
      body = this.body(existing.status?.conditions);
    }
    // Status given at creation may be dropped; it is set, as a kubelet sets it, through /status.
    await this.core.patchNodeStatus({ name: this.options.name, body: { status: body.status } }, mergePatch);
  }

  /**
   * Reads the Node first, as the kubelet does before each status update: what our last write said
   * may have been replaced since, and only the Node as it is tells a transition apart. The write
   * holds the read's resourceVersion, so a status written in between is read and compared too
   * rather than overwritten unseen. A conflict is read and tried again, up to the kubelet's
   * nodeStatusUpdateRetry (5): a node just registered is written by several controllers at once
   * (taints, the node-lifecycle controller), and CI met two conflicts in a row at start.
   */
  private async writeConditions(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const node = await this.core.readNode({ name: this.options.name });
      const body = {
        metadata: { resourceVersion: node.metadata?.resourceVersion },
        status: { conditions: this.currentConditions(node.status?.conditions) },
      };
      try {
        await this.core.patchNodeStatus({ name: this.options.name, body }, mergePatch);
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= NODE_STATUS_UPDATE_RETRY) throw error;
      }
    }
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.writeConditions();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.log.warn('the virtual node was deleted; registering it again', { node: this.options.name });
      await this.register();
    }
    this.lastHeartbeat = Date.now();
    if (!this.options.leaseIsLeaderLock)
      await renewLease(this.leases, {
        name: this.options.name,
        holderIdentity: this.options.name,
        leaseDurationSeconds: LEASE_DURATION_SECONDS,
        fieldManager: 'vkctl-provider',
        nodeUid: this.uid,
      });
    this.renewals += 1;
  }
}
