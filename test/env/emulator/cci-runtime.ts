// The fake CCI runtime behind the emulator's CCI API. For each pod CCI accepted it: binds it (so
// deletion is graceful, as for a real pod), gives it an IP from its namespace's Network CIDR, records
// Scheduled/Pulled/Created/Started events, "runs" its containers (container-script.ts) with logs,
// completes them per restartPolicy, and finishes deletion once its containers stopped.
// It also marks new Networks Active, which is what makes a CCI namespace usable.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1ContainerStatus,
  type V1Pod,
} from '@kubernetes/client-node';
import { startInformer, type RunningInformer } from '../../../src/kube/informer.js';
import { withPooledConnections } from '../../../src/kube/pooled-connections.js';
import { runContainer, type RunningContainer } from './container-script.js';
import { readMountedFile, resolvePodInputs } from './pod-inputs.js';
import { PodLogs } from './pod-logs.js';

export const CCI_NODE_NAME = 'cci-emulator';
export const NETWORK_GROUP = 'networking.cci.io';
export const NETWORK_VERSION = 'v1beta1';

export interface CciNetwork extends KubernetesObject {
  spec?: { cidr?: string; attachedVPC?: string; networkID?: string; subnetID?: string; networkType?: string };
  status?: { state?: string; message?: string };
}

export interface CciRuntimeOptions {
  /** Delay before an accepted pod starts, like CCI's scheduling and image pull. */
  startDelayMs?: number;
  networkReadyDelayMs?: number;
  /** How often a server-type container writes a log line. */
  logTickMs?: number;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const isGone = (e: unknown) => [404, 409].includes((e as { code?: number }).code ?? 0);

interface PodRun {
  containers: Map<string, { run: RunningContainer; restarts: number; startedAt: Date }>;
  statuses: Map<string, V1ContainerStatus>;
  podIP: string;
  deleting: boolean;
  /** Why its containers have not started yet (a missing ConfigMap or Secret), if that is so. */
  waiting?: string;
  env: Map<string, Record<string, string>>;
  /** Status updates go out one at a time, so they cannot land out of order. */
  publishing: Promise<void>;
}

function ipInCidr(cidr: string, offset: number): string {
  const [base = '0.0.0.0'] = cidr.split('/');
  const n = base.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0) + offset;
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export class CciRuntime {
  readonly logs = new PodLogs();
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private pods: RunningInformer<V1Pod> | undefined;
  private networks: RunningInformer<CciNetwork> | undefined;
  private readonly runs = new Map<string, PodRun>();
  private readonly nextIp = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: CciRuntimeOptions = {},
  ) {
    // Keep-alive connections: the emulated CCI should not be slowed by client-node's per-call TLS.
    const pooled = withPooledConnections(kc);
    this.core = pooled.makeApiClient(CoreV1Api);
    this.custom = pooled.makeApiClient(CustomObjectsApi);
  }

  async start(): Promise<void> {
    this.networks = startInformer<CciNetwork>(
      this.kc,
      `/apis/${NETWORK_GROUP}/${NETWORK_VERSION}/networks`,
      () =>
        this.custom.listClusterCustomObject({
          group: NETWORK_GROUP,
          version: NETWORK_VERSION,
          plural: 'networks',
        }) as Promise<{
          items: CciNetwork[];
          metadata?: { resourceVersion?: string };
        }>,
      { add: (n) => this.activateNetwork(n), update: (n) => this.activateNetwork(n) },
    );
    this.pods = startInformer<V1Pod>(this.kc, '/api/v1/pods', () => this.core.listPodForAllNamespaces(), {
      add: (pod) => this.reconcile(pod),
      update: (pod) => this.reconcile(pod),
      delete: (pod) => this.forget(pod),
    });
    await Promise.all([this.networks.synced, this.pods.synced]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const run of this.runs.values()) for (const c of run.containers.values()) c.run.stop();
    await this.pods?.stop();
    await this.networks?.stop();
  }

  /**
   * Runs `fn` after `ms`; when it fails (a dropped keep-alive connection, an apiserver under a
   * 5,000-pod burst), again after a backoff, as a controller would, up to 8 times.
   */
  private later(ms: number, fn: () => Promise<void>, attempt = 0): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      fn().catch((e: unknown) => {
        if (isGone(e) || this.stopped) return;
        if (attempt < 8) this.later(Math.min(100 * 2 ** attempt, 5000), fn, attempt + 1);
        else this.report(e);
      });
    }, ms);
    this.timers.add(timer);
  }

  private report(e: unknown): void {
    if (!isGone(e) && !this.stopped) console.error('cci emulator runtime:', (e as Error).message);
  }

  private activateNetwork(network: CciNetwork): void {
    const { name, namespace } = network.metadata ?? {};
    if (!name || !namespace || network.status?.state === 'Active') return;
    this.later(this.options.networkReadyDelayMs ?? 100, async () => {
      await this.custom.patchNamespacedCustomObjectStatus(
        {
          group: NETWORK_GROUP,
          version: NETWORK_VERSION,
          plural: 'networks',
          namespace,
          name,
          body: { status: { state: 'Active', message: '' } },
        },
        mergePatch,
      );
    });
  }

  /** Whether the namespace has an Active Network, as far as the runtime's cache knows. */
  hasActiveNetwork(namespace: string): boolean {
    return (this.networks?.list(namespace) ?? []).some((n) => n.status?.state === 'Active');
  }

  private networkCidr(namespace: string): string {
    const network = this.networks?.list(namespace).find((n) => n.status?.state === 'Active');
    return network?.spec?.cidr ?? '192.168.0.0/24';
  }

  private reconcile(pod: V1Pod): void {
    const { uid, name, namespace } = pod.metadata ?? {};
    if (!uid || !name || !namespace) return;
    const run = this.runs.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      if (run?.deleting) return;
      if (run) run.deleting = true;
      for (const c of run?.containers.values() ?? []) c.run.stop();
      // Containers stop on SIGTERM at once; then the runtime removes the pod for good.
      this.later(50, async () => {
        await this.core.deleteNamespacedPod({
          name,
          namespace,
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        });
      });
      return;
    }
    if (run || pod.spec?.nodeName) return;
    this.runs.set(uid, {
      containers: new Map(),
      statuses: new Map(),
      podIP: '',
      deleting: false,
      env: new Map(),
      publishing: Promise.resolve(),
    });
    this.later(this.options.startDelayMs ?? 100, () => this.startPod(pod));
  }

  private forget(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const run = uid ? this.runs.get(uid) : undefined;
    for (const c of run?.containers.values() ?? []) c.run.stop();
    if (uid) this.runs.delete(uid);
  }

  private async event(pod: V1Pod, reason: string, message: string, type = 'Normal'): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name: `${pod.metadata?.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: {
          kind: 'Pod',
          apiVersion: 'v1',
          name: pod.metadata?.name,
          namespace,
          uid: pod.metadata?.uid,
        },
        reason,
        message,
        type,
        source: { component: 'cci-scheduler' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }

  private async startPod(pod: V1Pod): Promise<void> {
    const { uid = '', name = '', namespace = '' } = pod.metadata ?? {};
    const run = this.runs.get(uid);
    if (!run || run.deleting) return;
    await this.core
      .createNamespacedBinding({
        namespace,
        body: {
          metadata: { name, namespace },
          target: { apiVersion: 'v1', kind: 'Node', name: CCI_NODE_NAME },
        },
      })
      .catch((e: unknown) => {
        // 409: bound already, by an attempt whose answer was lost.
        if ((e as { code?: number }).code !== 409) throw e;
      });
    const offset = (this.nextIp.get(namespace) ?? 10) + 1;
    this.nextIp.set(namespace, offset);
    run.podIP = ipInCidr(this.networkCidr(namespace), offset);
    await this.event(pod, 'Scheduled', `Successfully assigned ${namespace}/${name} to CCI`);
    await this.startContainers(pod, run);
  }

  /** Starts the containers once what they need is there; until then the pod waits, as on a node. */
  private async startContainers(pod: V1Pod, run: PodRun): Promise<void> {
    if (run.deleting || !this.runs.has(pod.metadata?.uid ?? '')) return;
    const inputs = await resolvePodInputs(this.core, pod);
    if (inputs.missing.length > 0) {
      const message = inputs.missing.join('; ');
      if (message !== run.waiting) await this.event(pod, 'FailedMount', message, 'Warning');
      run.waiting = message;
      await this.publishStatus(pod, run);
      this.later(500, () => this.startContainers(pod, run));
      return;
    }
    run.waiting = undefined;
    run.env = inputs.env;
    for (const container of pod.spec?.containers ?? []) {
      if (run.containers.has(container.name)) continue; // started by an attempt that failed later
      await this.event(pod, 'Pulled', `Container image "${container.image}" already present on machine`);
      await this.event(pod, 'Created', `Created container ${container.name}`);
      await this.event(pod, 'Started', `Started container ${container.name}`);
      this.startContainer(pod, run, container.name, 0);
    }
    await this.publishStatus(pod, run);
  }

  /** A running container's environment, for exec; undefined when it is not running. */
  runningContainerEnv(uid: string, container: string): Record<string, string> | undefined {
    const run = this.runs.get(uid);
    if (!run || run.deleting || !run.statuses.get(container)?.state?.running) return undefined;
    return run.env.get(container) ?? {};
  }

  readMountedFile(pod: V1Pod, container: string, path: string): Promise<string | undefined> {
    return readMountedFile(this.core, pod, container, path);
  }

  private startContainer(pod: V1Pod, run: PodRun, containerName: string, restarts: number): void {
    const uid = pod.metadata?.uid ?? '';
    const container = pod.spec?.containers.find((c) => c.name === containerName);
    if (!container || run.deleting) return;
    if (restarts > 0) this.logs.restart(uid, containerName);
    const startedAt = new Date();
    const handle = runContainer(
      container,
      (line) => this.logs.append(uid, containerName, line),
      this.options.logTickMs ?? 1000,
      run.env.get(containerName),
    );
    run.containers.set(containerName, { run: handle, restarts, startedAt });
    run.statuses.set(containerName, {
      name: containerName,
      image: container.image ?? '',
      imageID: `cci://${container.image}`,
      containerID: `cci://${uid}/${containerName}/${restarts}`,
      ready: true,
      started: true,
      restartCount: restarts,
      state: { running: { startedAt } },
      lastState: run.statuses.get(containerName)?.lastState ?? {},
    });
    void handle.exited.then((exitCode) => this.containerExited(pod, run, containerName, exitCode, startedAt));
  }

  private containerExited(
    pod: V1Pod,
    run: PodRun,
    containerName: string,
    exitCode: number,
    startedAt: Date,
  ): void {
    const uid = pod.metadata?.uid ?? '';
    this.logs.end(uid, containerName);
    if (run.deleting || this.stopped || !this.runs.has(uid)) return;
    const terminated = {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: new Date(),
      containerID: run.statuses.get(containerName)?.containerID,
    };
    const policy = pod.spec?.restartPolicy ?? 'Always';
    const restart = policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    const previous = run.containers.get(containerName)?.restarts ?? 0;
    const status = run.statuses.get(containerName);
    if (status) {
      status.ready = false;
      status.started = false;
      if (restart) {
        status.lastState = { terminated };
        status.state = {
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off restarting failed container' },
        };
      } else {
        status.state = { terminated };
      }
    }
    this.later(0, () => this.publishStatus(pod, run));
    if (restart) {
      this.later(1000, () => {
        this.startContainer(pod, run, containerName, previous + 1);
        return this.publishStatus(pod, run);
      });
    }
  }

  private publishStatus(pod: V1Pod, run: PodRun): Promise<void> {
    run.publishing = run.publishing
      .then(() => this.sendStatus(pod, run))
      .catch((e: unknown) => {
        if (isGone(e) || this.stopped) return;
        // Not sent: send the status as it is by then, a moment later.
        this.report(e);
        this.later(500, () => this.publishStatus(pod, run));
      });
    return run.publishing;
  }

  /** Sends the pod's status as it is now. */
  private async sendStatus(pod: V1Pod, run: PodRun): Promise<void> {
    if (run.deleting) return;
    const statuses = (pod.spec?.containers ?? [])
      .map((c) => run.statuses.get(c.name))
      .filter((s) => s !== undefined);
    const terminated = statuses.map((s) => s.state?.terminated);
    const allDone = terminated.length > 0 && terminated.every((t) => t !== undefined);
    const phase = run.waiting
      ? 'Pending'
      : allDone
        ? terminated.every((t) => t?.exitCode === 0)
          ? 'Succeeded'
          : 'Failed'
        : 'Running';
    if (run.waiting) {
      for (const container of pod.spec?.containers ?? []) {
        statuses.push({
          name: container.name,
          image: container.image ?? '',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        });
      }
    }
    const ready = !allDone && statuses.every((s) => s.ready);
    const now = new Date();
    const condition = (type: string, status: boolean) => ({
      type,
      status: status ? 'True' : 'False',
      lastTransitionTime: now,
    });
    await this.core.patchNamespacedPodStatus(
      {
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        body: {
          status: {
            phase,
            podIP: run.waiting ? undefined : run.podIP,
            podIPs: run.waiting ? undefined : [{ ip: run.podIP }],
            hostIP: run.podIP,
            startTime: pod.status?.startTime ?? now,
            conditions: [
              condition('PodScheduled', true),
              condition('Initialized', true),
              condition('ContainersReady', ready),
              condition('Ready', ready),
            ],
            containerStatuses: statuses,
          },
        },
      },
      mergePatch,
    );
  }
}
