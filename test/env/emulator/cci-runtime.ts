// The fake CCI runtime behind the emulator's CCI API. For each pod CCI accepted it: binds it (so
// deletion is graceful, as for a real pod), gives it an IP from its namespace's Network CIDR, records
// Scheduled/Pulled/Created/Started events, "runs" its containers (container-script.ts) with logs in
// the order a 1.19 kubelet starts them (init containers one by one to completion, then the app
// containers in list order, each after the postStart hook of the one before: kubelet-model.ts),
// completes them per restartPolicy, and finishes deletion once its containers stopped.
// Its Networks move through their states in cci-networks.ts; what it writes about a pod (events,
// status) is in cci-pod-status.ts; what it keeps about a pod in pod-run.ts; its retries in
// retry-later.ts.
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1Container,
  type V1Pod,
} from '@kubernetes/client-node';
import { startInformer, type RunningInformer } from '../../../src/kube/informer.js';
import { withPooledConnections } from '../../../src/kube/pooled-connections.js';
import { sendPlain } from '../../../src/kube/plain-request.js';
import { addressInCidr, CciNetworks } from './cci-networks.js';
import { runContainer, runsProxy } from './container-script.js';
import type { ProxyControl } from './exec-shell.js';
import { recordPodEvent, writePodStatus } from './cci-pod-status.js';
import { afterExit, nextInitContainer, runningStatus } from './kubelet-model.js';
import { readMountedFile, resolvePodInputs } from './pod-inputs.js';
import { PodLogs } from './pod-logs.js';
import { newPodRun, type ContainerEvent, type PodRun } from './pod-run.js';
import { RetryLater } from './retry-later.js';

export const CCI_NODE_NAME = 'cci-emulator';
export { NETWORK_GROUP, NETWORK_VERSION, type CciNetwork } from './cci-networks.js';
export type { ContainerEvent } from './pod-run.js';

export interface CciRuntimeOptions {
  /** Delay before an accepted pod starts, like CCI's scheduling and image pull. */
  startDelayMs?: number;
  networkReadyDelayMs?: number;
  /** How often a server-type container writes a log line. */
  logTickMs?: number;
}

export class CciRuntime {
  readonly logs = new PodLogs();
  private readonly core: CoreV1Api;
  /** The same kubeconfig with keep-alive connections, for the per-pod writes (cci-pod-status.ts). */
  private readonly pooled: KubeConfig;
  private readonly custom: CustomObjectsApi;
  private pods: RunningInformer<V1Pod> | undefined;
  private networks: CciNetworks | undefined;
  private readonly runs = new Map<string, PodRun>();
  private readonly nextIp = new Map<string, number>();
  private readonly deferred = new RetryLater();

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: CciRuntimeOptions = {},
  ) {
    // Keep-alive connections: the emulated CCI should not be slowed by client-node's per-call TLS.
    this.pooled = withPooledConnections(kc);
    this.core = this.pooled.makeApiClient(CoreV1Api);
    this.custom = this.pooled.makeApiClient(CustomObjectsApi);
  }

  async start(): Promise<void> {
    this.networks = new CciNetworks(
      this.kc,
      this.custom,
      (ms, fn) => this.later(ms, fn),
      this.options.networkReadyDelayMs ?? 100,
    );
    await this.networks.start();
    this.pods = startInformer<V1Pod>(this.kc, '/api/v1/pods', () => this.core.listPodForAllNamespaces(), {
      add: (pod) => this.reconcile(pod),
      update: (pod) => this.reconcile(pod),
      delete: (pod) => this.forget(pod),
    });
    await this.pods.synced;
  }

  async stop(): Promise<void> {
    this.deferred.stop();
    for (const run of this.runs.values()) for (const c of run.containers.values()) c.run.stop();
    await this.pods?.stop();
    await this.networks?.stop();
  }

  private later(ms: number, fn: () => Promise<void>): void {
    this.deferred.run(ms, fn);
  }

  /** Whether the namespace has an Active Network, as far as the runtime's cache knows. */
  hasActiveNetwork(namespace: string): boolean {
    return this.networks?.hasActive(namespace) ?? false;
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
    this.runs.set(uid, newPodRun());
    this.later(this.options.startDelayMs ?? 100, () => this.startPod(pod));
  }

  private forget(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const run = uid ? this.runs.get(uid) : undefined;
    for (const c of run?.containers.values() ?? []) c.run.stop();
    if (uid) this.runs.delete(uid);
  }

  private event(pod: V1Pod, reason: string, message: string, type = 'Normal'): Promise<void> {
    return recordPodEvent(this.pooled, pod, reason, message, type);
  }

  private async startPod(pod: V1Pod): Promise<void> {
    const { uid = '', name = '', namespace = '' } = pod.metadata ?? {};
    const run = this.runs.get(uid);
    if (!run || run.deleting) return;
    await sendPlain(this.pooled, {
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/pods/${name}/binding`,
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: CCI_NODE_NAME },
      },
    }).catch((e: unknown) => {
      // 409: bound already, by an attempt whose answer was lost.
      if ((e as { code?: number }).code !== 409) throw e;
    });
    const offset = (this.nextIp.get(namespace) ?? 10) + 1;
    this.nextIp.set(namespace, offset);
    run.podIP = addressInCidr(this.networks?.cidr(namespace) ?? '192.168.0.0/24', offset);
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
    await this.startNext(pod, run);
  }

  /**
   * What a 1.19 kubelet starts next (kubelet-model.ts): the first init container that has not
   * exited 0, alone; once all have, the app containers in list order, each only once the postStart
   * hook of the one before has returned (kuberuntime_manager.go SyncPod step 7).
   */
  private async startNext(pod: V1Pod, run: PodRun): Promise<void> {
    const spec = pod.spec ?? { containers: [] };
    const init = nextInitContainer(spec, run.statuses);
    for (const container of init ? [init] : spec.containers) {
      if (run.deleting) return;
      if (run.containers.has(container.name)) continue; // started by an attempt that failed later
      await this.event(pod, 'Pulled', `Container image "${container.image}" already present on machine`);
      await this.event(pod, 'Created', `Created container ${container.name}`);
      await this.event(pod, 'Started', `Started container ${container.name}`);
      this.startContainer(pod, run, container.name, 0);
      this.postStart(run, container);
    }
    await this.publishStatus(pod, run);
  }

  /**
   * kuberuntime_container.go startContainer step 4: the postStart hook runs right after the
   * container started, and startContainer returns only once it has. The proxy's `vkctl proxy wait`
   * returns once the proxy serves, which the emulated proxy does as soon as its container runs (as
   * startContainer has just made it); any other hook command returns at once.
   */
  private postStart(run: PodRun, container: V1Container): void {
    if (!container.lifecycle?.postStart) return;
    run.timeline.push({ container: container.name, event: 'postStartReturned', at: Date.now() });
  }

  /** The pod's containers' starts, hook returns and exits, in order (tests). */
  containerTimeline(uid: string): ContainerEvent[] {
    return [...(this.runs.get(uid)?.timeline ?? [])];
  }

  /**
   * `vkctl proxy wait|stop` exec'd in a container that runs the proxy: waiting returns once it runs;
   * stopping makes it exit 0, as the real proxy does when told to. Undefined in any other container.
   */
  proxyControl(uid: string, containerName: string): ProxyControl | undefined {
    const run = this.runs.get(uid);
    const entry = run?.containers.get(containerName);
    if (!run || !entry || !runsProxy(entry.container)) return undefined;
    const running = () => !run.deleting && Boolean(run.statuses.get(containerName)?.state?.running);
    return {
      wait: () => Promise.resolve(running() ? 0 : 1),
      stop: () => {
        if (!running()) return 1;
        entry.run.stop();
        return 0;
      },
    };
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
    const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
      (c) => c.name === containerName,
    );
    if (!container || run.deleting) return;
    if (restarts > 0) this.logs.restart(uid, containerName);
    const startedAt = new Date();
    const handle = runContainer(
      container,
      (line) => this.logs.append(uid, containerName, line),
      this.options.logTickMs ?? 1000,
      run.env.get(containerName),
    );
    run.containers.set(containerName, { run: handle, restarts, startedAt, container });
    run.timeline.push({ container: containerName, event: 'started', at: Date.now() });
    run.statuses.set(
      containerName,
      runningStatus(pod, container, restarts, startedAt, run.statuses.get(containerName)?.lastState),
    );
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
    if (run.deleting || this.deferred.isStopped || !this.runs.has(uid)) return;
    run.timeline.push({ container: containerName, event: 'exited', at: Date.now() });
    const previous = run.containers.get(containerName)?.restarts ?? 0;
    const status = run.statuses.get(containerName);
    const { init, restart, next } = afterExit(pod, containerName, exitCode, startedAt, status);
    if (next) run.statuses.set(containerName, next);
    if (init && exitCode === 0) this.later(0, () => this.startNext(pod, run));
    else this.later(0, () => this.publishStatus(pod, run));
    if (restart) {
      this.later(1000, () => {
        this.startContainer(pod, run, containerName, previous + 1);
        const container = run.containers.get(containerName)?.container;
        if (container) this.postStart(run, container);
        return this.publishStatus(pod, run);
      });
    }
  }

  private publishStatus(pod: V1Pod, run: PodRun): Promise<void> {
    run.publishing = run.publishing
      .then(() => this.sendStatus(pod, run))
      .catch((e: unknown) => {
        if (this.deferred.isGone(e) || this.deferred.isStopped) return;
        // Not sent: send the status as it is by then, a moment later.
        this.deferred.report(e);
        this.later(500, () => this.publishStatus(pod, run));
      });
    return run.publishing;
  }

  /** Sends the pod's status as it is now, worded as a 1.19 kubelet does (kubelet-model.ts). */
  private async sendStatus(pod: V1Pod, run: PodRun): Promise<void> {
    if (!run.deleting) await writePodStatus(this.pooled, pod, run);
  }
}
