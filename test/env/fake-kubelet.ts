// Plays the kubelet for ordinary (non-virtual) worker nodes, so that the real scheduler and
// controller-manager see a working cluster: nodes register with a capacity and stay Ready through
// Leases; pods bound to them become Running with an IP; pods being deleted finish deleting.
// Nothing else is faked: scheduling, controllers and the API are the real ones.
import os from 'node:os';
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Node,
  type V1Pod,
  type V1PodCondition,
} from '@kubernetes/client-node';
import { startInformer, type RunningInformer } from '../../src/kube/informer.js';
import { NODE_LEASE_NAMESPACE, renewLease } from '../../src/kube/lease.js';
import { healthyNodeConditions } from '../../src/kube/node-conditions.js';

export interface FakeNodeOptions {
  /** Node names are `${prefix}-${i}`. */
  prefix: string;
  count: number;
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** How often Leases are renewed. */
  leaseRenewMs?: number;
  /**
   * Pods with these labels get this machine's address as their IP: their process runs here (the
   * sandbox runs the add-on's runtime so), and Services' endpoints then lead to it. Not 127.0.0.1:
   * Endpoints refuse loopback addresses.
   */
  hostProcessPodLabels?: Record<string, string>;
}

const LEASE_DURATION_SECONDS = 40;

/** This machine's first non-loopback IPv4 address. */
export function machineAddress(): string {
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
  if (!address) throw new Error('this machine has no non-loopback IPv4 address for host-process pods');
  return address;
}
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

export class FakeKubelet {
  private readonly core: CoreV1Api;
  private readonly leases: CoordinationV1Api;
  private informer: RunningInformer<V1Pod> | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private readonly handled = new Set<string>();
  private nextIp = 2;
  readonly nodeNames: string[];

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: FakeNodeOptions,
    /** Third octet of pod IPs 10.<n>.x.y, to keep two fake kubelets' addresses apart. */
    private readonly ipBlock = 200,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.leases = kc.makeApiClient(CoordinationV1Api);
    this.nodeNames = Array.from({ length: options.count }, (_, i) => `${options.prefix}-${i}`);
  }

  async start(): Promise<void> {
    for (const [index, name] of this.nodeNames.entries()) await this.registerNode(name, index);
    await this.renewLeases();
    this.leaseTimer = setInterval(
      () => void this.renewLeases().catch(() => undefined),
      this.options.leaseRenewMs ?? 10_000,
    );
    const ours = new Set(this.nodeNames);
    this.informer = startInformer<V1Pod>(this.kc, '/api/v1/pods', () => this.core.listPodForAllNamespaces(), {
      add: (pod) => void this.reconcilePod(pod, ours),
      update: (pod) => void this.reconcilePod(pod, ours),
    });
    await this.informer.synced;
  }

  /** Stops heartbeats (nodes go NotReady after the grace period) and, unless told not to, deletes the nodes. */
  async stop(deleteNodes = true): Promise<void> {
    clearInterval(this.leaseTimer);
    await this.informer?.stop();
    if (!deleteNodes) return;
    for (const name of this.nodeNames) {
      await this.core.deleteNode({ name }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      await this.leases
        .deleteNamespacedLease({ name, namespace: NODE_LEASE_NAMESPACE })
        .catch(() => undefined);
    }
  }

  private nodeBody(name: string, index: number): V1Node {
    const capacity = {
      cpu: this.options.cpu ?? '4',
      memory: this.options.memory ?? '8Gi',
      pods: String(this.options.pods ?? 110),
      'ephemeral-storage': '100Gi',
    };
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'vkctl.test/fake-node': 'true',
          ...this.options.labels,
        },
      },
      spec: { taints: this.options.taints?.map((t) => ({ ...t })) },
      status: {
        capacity,
        allocatable: capacity,
        conditions: healthyNodeConditions(new Date(), 'fake kubelet'),
        addresses: [
          { type: 'InternalIP', address: `10.${this.ipBlock}.${index}.1` },
          { type: 'Hostname', address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: 'amd64',
          bootID: '',
          containerRuntimeVersion: 'fake://1.0.0',
          kernelVersion: '',
          kubeProxyVersion: '',
          kubeletVersion: 'v1.33.13',
          machineID: '',
          operatingSystem: 'linux',
          osImage: 'vkctl fake node',
          systemUUID: name,
        },
      },
    };
  }

  private async registerNode(name: string, index: number): Promise<void> {
    const body = this.nodeBody(name, index);
    try {
      await this.core.createNode({ body });
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
    }
    // Status on create is not guaranteed to stick; set it through the status subresource as a kubelet does.
    await this.core.patchNodeStatus({ name, body: { status: body.status } }, mergePatch);
  }

  private async renewLeases(): Promise<void> {
    const now = new Date();
    await Promise.all(
      this.nodeNames.map((name) =>
        renewLease(
          this.leases,
          {
            name,
            holderIdentity: name,
            leaseDurationSeconds: LEASE_DURATION_SECONDS,
            fieldManager: 'fake-kubelet',
          },
          now,
        ),
      ),
    );
  }

  private async reconcilePod(pod: V1Pod, ours: Set<string>): Promise<void> {
    const nodeName = pod.spec?.nodeName;
    const { name, namespace, uid } = pod.metadata ?? {};
    if (!nodeName || !ours.has(nodeName) || !name || !namespace || !uid) return;
    try {
      if (pod.metadata?.deletionTimestamp) {
        // The kubelet's last word on a terminating pod: remove it for good (grace already observed).
        await this.core.deleteNamespacedPod({
          name,
          namespace,
          // In the body: with a DeleteOptions body the apiserver ignores the query parameter.
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        });
        this.handled.delete(uid);
        return;
      }
      if (this.handled.has(uid) || pod.status?.phase === 'Running') return;
      this.handled.add(uid);
      await this.core.patchNamespacedPodStatus(
        { name, namespace, body: { status: this.runningStatus(pod) } },
        mergePatch,
      );
    } catch (e) {
      if (!isNotFound(e) && (e as { code?: number }).code !== 409) {
        this.handled.delete(uid);
        console.error(`fake kubelet: pod ${namespace}/${name}:`, (e as Error).message);
      }
    }
  }

  private runningStatus(pod: V1Pod): V1Pod['status'] {
    const now = new Date();
    const ip = `10.${this.ipBlock + 1}.${Math.floor(this.nextIp / 250)}.${(this.nextIp % 250) + 2}`;
    this.nextIp += 1;
    const node = this.nodeNames.indexOf(pod.spec?.nodeName ?? '');
    const hostLabels = Object.entries(this.options.hostProcessPodLabels ?? {});
    const hostAddress =
      hostLabels.length > 0 && hostLabels.every(([key, value]) => pod.metadata?.labels?.[key] === value)
        ? machineAddress()
        : undefined;
    const trueCondition = (type: string): V1PodCondition => ({
      type,
      status: 'True',
      lastTransitionTime: now,
    });
    return {
      phase: 'Running',
      hostIP: hostAddress ?? `10.${this.ipBlock}.${node}.1`,
      podIP: hostAddress ?? ip,
      podIPs: [{ ip: hostAddress ?? ip }],
      startTime: now,
      conditions: [
        'PodReadyToStartContainers',
        'Initialized',
        'ContainersReady',
        'Ready',
        'PodScheduled',
      ].map(trueCondition),
      initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: `fake://${c.image}`,
        ready: true,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
      })),
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: `fake://${c.image}`,
        containerID: `fake://${pod.metadata?.uid}/${c.name}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    };
  }
}
