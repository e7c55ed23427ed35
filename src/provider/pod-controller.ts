// Moves pods bound to the virtual node onto CCI and keeps the two sides true to each other. Both
// sides are cached (an informer on the cluster's pods, a list-watch on CCI's) and every change on
// either side queues the pod's key; one reconcile per key compares the two and acts:
// - a new pod is checked against CCI's rules; one that breaks them fails with reason
//   ProviderFailed and an event, and nothing is created in CCI; otherwise its ConfigMaps and
//   Secrets are copied and its CCI pod is created;
// - CCI's status is reflected onto the pod (phase, conditions, IP, containers), leaving out the
//   interconnect proxy, which is stopped once the app containers are done (proxy-lifecycle.ts);
// - a pod being deleted has its CCI pod deleted with the same grace period, and is removed from
//   the API once CCI has let its pod go; a CCI pod whose cluster pod is gone is deleted (a leak).
// Failures that may pass (429, 5xx, timeouts, apiserver errors) are retried with backoff and never
// fail a pod; CCI refusing a pod (400, 403, 422) fails it with CCI's reason. After a restart both
// sides are listed again before anything is decided, so nothing is created twice or left behind.
import {
  CoreV1Api,
  PatchStrategy,
  type KubeConfig,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import type { CciBackend } from './cci-backend.js';
import { CloudApiError } from '../cloud/http.js';
import { startInformer, withoutManagedFields, type RunningInformer } from '../kube/informer.js';
import { sendPlain } from '../kube/plain-request.js';
import { CciPodCache } from './cci-pod-cache.js';
import { EventMirror } from './event-mirror.js';
import { errorText, type Logger } from './logger.js';
import type { ProviderMetrics } from './metrics.js';
import type { PodReference } from './pod-references.js';
import { cciPodViolations, DEFAULT_SFS_STORAGE_CLASSES, ownerViolations } from '../shared/cci-rules.js';
import { ResourceSync } from './resource-sync.js';
import { cciPodName, cciReferences, originOf, toCciPod } from './translate.js';
import { clusterPodStatus, ProxyStopper } from './interconnect/proxy-lifecycle.js';
import { reservedNameViolations } from './interconnect/reserved.js';
import { withServiceLinks } from './interconnect/service-links.js';
import { withProxySidecar, type ProxySidecarSettings } from './interconnect/sidecar.js';
import { CciContainerCommands } from './kubelet/cci-commands.js';
import { WorkQueue } from './work-queue.js';
import { isConflict, isNotFound, mergePatch } from '../kube/errors.js';

/** CCI answers that no retry will change. */
const PERMANENT_CCI_STATUSES = [400, 403, 422];

export interface PodControllerOptions {
  nodeName: string;
  /** The node's InternalIP: a pod's hostIP, as a kubelet reports its node's address. */
  nodeAddress: string;
  cciNamespace: string;
  sfsStorageClasses?: readonly string[];
  log: Logger;
  metrics?: ProviderMetrics;
  /** Pods reconciled at once. */
  concurrency?: number;
  /** With interconnect on: the proxy sidecar every CCI pod gets. */
  sidecar?: ProxySidecarSettings;
}

export class PodController {
  private readonly core: CoreV1Api;
  private informer: RunningInformer<V1Pod> | undefined;
  private services: RunningInformer<V1Service> | undefined;
  private readonly cciPods: CciPodCache;
  private readonly resources: ResourceSync;
  private readonly events: EventMirror;
  private readonly queue: WorkQueue;
  /** Even with interconnect off now: pods made while it was on still have a proxy to stop. */
  private readonly proxies: ProxyStopper;
  /** Pod key → its uid and the CCI pod resourceVersion whose status was last written to it. */
  private readonly reflected = new Map<string, { uid: string; version: string }>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly cci: CciBackend,
    private readonly options: PodControllerOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    const { log, cciNamespace } = options;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      concurrency: options.concurrency ?? 32,
      onError: (key, error, retryInMs) => {
        options.metrics?.podOperations.inc({ operation: 'retried' });
        log.warn('pod reconcile failed; retrying', { pod: key, error: errorText(error), retryInMs });
      },
    });
    this.cciPods = new CciPodCache(cci, cciNamespace, log, (cciPod) => {
      const origin = originOf(cciPod, options.nodeName);
      if (origin) this.queue.add(`${origin.namespace}/${origin.name}`);
    });
    this.resources = new ResourceSync(kc, cci, {
      cciNamespace,
      nodeName: options.nodeName,
      log,
      inUse: (namespace, reference) => this.referenced(namespace, reference),
    });
    this.proxies = new ProxyStopper(new CciContainerCommands(cci, cciNamespace), log);
    this.events = new EventMirror(kc, cci, {
      cciNamespace,
      nodeName: options.nodeName,
      log,
      originOf: (name) => {
        const cciPod = this.cciPods.get(name);
        return cciPod ? originOf(cciPod, options.nodeName) : undefined;
      },
    });
  }

  async start(): Promise<void> {
    await this.resources.start();
    const enqueue = (pod: V1Pod) => this.queue.add(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
    this.informer = startInformer<V1Pod>(
      this.kc,
      '/api/v1/pods',
      () => this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${this.options.nodeName}` }),
      {
        add: enqueue,
        update: enqueue,
        delete: enqueue,
        error: (e) => this.options.log.warn('pod watch interrupted', { error: errorText(e) }),
      },
      { fieldSelector: `spec.nodeName=${this.options.nodeName}`, transform: withoutManagedFields },
    );
    // With interconnect, every new CCI pod gets its namespace's service links: from a cache, not a
    // list call per pod.
    if (this.options.sidecar)
      this.services = startInformer<V1Service>(
        this.kc,
        '/api/v1/services',
        () => this.core.listServiceForAllNamespaces(),
        { error: (e) => this.options.log.warn('service watch interrupted', { error: errorText(e) }) },
        { transform: withoutManagedFields },
      );
    await Promise.all([this.informer.synced, this.services?.synced, this.cciPods.start()]);
    this.events.start();
    // Copies changed while no runtime watched are brought up to date (unchanged ones are skipped).
    for (const pod of this.informer.list()) {
      await this.resources.ensure(pod.metadata?.namespace ?? '', cciReferences(pod)).catch((error: unknown) =>
        this.options.log.warn('could not refresh CCI copies', {
          pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
          error: errorText(error),
        }),
      );
    }
    // Every pod on both sides gets one look: new ones are created, leaked CCI pods deleted. Only
    // now does the queue run: before both lists are in, "no CCI pod" could just mean "not listed yet".
    for (const pod of this.informer.list()) enqueue(pod);
    for (const cciPod of this.cciPods.list()) {
      const origin = originOf(cciPod, this.options.nodeName);
      if (origin) this.queue.add(`${origin.namespace}/${origin.name}`);
    }
    this.resources.collectSoon();
    this.queue.start();
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    this.events.stop();
    this.cciPods.stop();
    await Promise.all([this.informer?.stop(), this.services?.stop(), this.resources.stop()]);
  }

  /** Resolves once nothing is queued or being reconciled (tests, benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  get queueDepth(): number {
    return this.queue.depth;
  }

  /** The pods bound to the node, from the cache. */
  list(): readonly V1Pod[] {
    return this.informer?.list() ?? [];
  }

  podsByPhase(): Map<string, number> {
    const phases = new Map<string, number>();
    for (const pod of this.informer?.list() ?? []) {
      const phase = pod.status?.phase ?? 'Pending';
      phases.set(phase, (phases.get(phase) ?? 0) + 1);
    }
    return phases;
  }

  private referenced(namespace: string, reference: PodReference): boolean {
    return (this.informer?.list(namespace) ?? []).some((pod) =>
      cciReferences(pod).some((r) => r.kind === reference.kind && r.name === reference.name),
    );
  }

  private async reconcile(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const pod = this.informer?.get(name, namespace);
    const cciName = cciPodName(namespace, name);
    const cciPod = this.cciPods.get(cciName);
    const cciOrigin = cciPod ? originOf(cciPod, this.options.nodeName) : undefined;

    if (!pod) {
      // Gone from the cluster: its CCI pod, if one is left, is a leak.
      if (cciOrigin && !cciPod?.metadata?.deletionTimestamp) await this.deleteCciPod(cciName, key, 0);
      this.reflected.delete(key);
      this.proxies.forget(key);
      this.resources.collectSoon();
      return;
    }
    const uid = pod.metadata?.uid ?? '';
    if (pod.metadata?.deletionTimestamp) {
      if (!cciPod) await this.removeFromApi(namespace, name, uid);
      else if (cciOrigin && !cciPod.metadata?.deletionTimestamp)
        await this.deleteCciPod(cciName, key, pod.metadata.deletionGracePeriodSeconds);
      return;
    }
    if (cciPod && cciOrigin?.uid !== uid) {
      // A CCI pod of the same name: an earlier pod of that name (a StatefulSet's), or not ours at all.
      if (!cciOrigin) await this.fail(pod, `a CCI pod named ${cciName} exists that vkctl did not create`);
      else if (!cciPod.metadata?.deletionTimestamp) await this.deleteCciPod(cciName, key, 0);
      return; // its deletion queues this key again
    }
    if (cciPod) {
      await this.reflect(pod, cciPod);
      await this.proxies.stopWhenDone(namespace, name, cciPod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (this.reflected.get(key)?.uid === uid || pod.status?.podIP) {
      // It ran in CCI and its CCI pod is gone without being asked to go.
      await this.fail(pod, `the CCI pod ${cciName} no longer exists`, 'NotFound');
      return;
    }
    await this.create(pod);
  }

  private async create(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const claims = new Map<string, string>();
    for (const volume of pod.spec?.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = await this.core
        .readNamespacedPersistentVolumeClaim({ name: claim, namespace })
        .catch((error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw error;
        });
      if (pvc) claims.set(claim, pvc.spec?.storageClassName ?? '');
    }
    // The rules judge what CCI would receive: the pod as translated (with the proxy sidecar when
    // interconnect is on), without the cluster's service-account token volume.
    const cciPod = this.options.sidecar
      ? withServiceLinks(
          withProxySidecar(toCciPod(pod), this.options.sidecar),
          [...(this.services?.list(namespace) ?? [])],
          this.services?.get('kubernetes', 'default'),
        )
      : toCciPod(pod);
    const violations = [
      ...ownerViolations(pod.metadata),
      ...reservedNameViolations(pod.spec ?? { containers: [] }, this.options.sidecar !== undefined),
      ...cciPodViolations(cciPod.spec ?? { containers: [] }, {
        sfsStorageClasses: this.options.sfsStorageClasses ?? DEFAULT_SFS_STORAGE_CLASSES,
        pvcStorageClass: (claim) => claims.get(claim),
      }),
    ];
    if (violations.length > 0) {
      await this.fail(
        pod,
        `CCI cannot run this pod: ${violations.map((v) => (v.container ? `container ${v.container}: ${v.message}` : v.message)).join('; ')}`,
      );
      return;
    }
    let missing: PodReference[];
    try {
      missing = await this.resources.ensure(namespace, cciReferences(pod));
    } catch (error) {
      if (error instanceof CloudApiError && PERMANENT_CCI_STATUSES.includes(error.status)) {
        await this.fail(pod, `CCI refused a ConfigMap or Secret of the pod: ${error.message}`);
        return;
      }
      throw error;
    }
    // An optional reference that does not exist is no reason to wait (the kubelet skips it too).
    const required = missing.filter((m) => !m.optional);
    if (required.length > 0)
      this.options.log.info('pod waits in CCI for what it references', {
        pod: `${namespace}/${name}`,
        missing: required.map((m) => `${m.kind}/${m.name}`),
      });
    try {
      await this.cci.createPod(this.options.cciNamespace, cciPod);
      this.options.metrics?.podOperations.inc({ operation: 'created' });
      this.options.log.info('created CCI pod', {
        pod: `${namespace}/${name}`,
        cciPod: cciPod.metadata?.name,
      });
    } catch (error) {
      // It exists (an earlier try whose answer was lost): the CCI watch brings it. Any other 409
      // (no Active Network yet, say) is retried like any passing failure.
      if (error instanceof CloudApiError && error.status === 409 && error.code === 'AlreadyExists') return;
      if (error instanceof CloudApiError && PERMANENT_CCI_STATUSES.includes(error.status)) {
        await this.fail(pod, `CCI refused the pod: ${error.message}`);
        return;
      }
      throw error;
    }
  }

  private async deleteCciPod(cciName: string, key: string, gracePeriodSeconds?: number): Promise<void> {
    await this.cci.deletePod(this.options.cciNamespace, cciName, gracePeriodSeconds);
    this.options.metrics?.podOperations.inc({ operation: 'deleted' });
    this.options.log.info('deleting CCI pod', { pod: key, cciPod: cciName, gracePeriodSeconds });
  }

  private async fail(pod: V1Pod, message: string, reason = 'ProviderFailed'): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    // The event first: whoever sees the pod Failed can already read why.
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace, uid: pod.metadata?.uid },
        reason,
        message,
        type: 'Warning',
        source: { component: 'vkctl-provider', host: this.options.nodeName },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    await this.core.patchNamespacedPodStatus(
      {
        name,
        namespace,
        body: { metadata: { uid: pod.metadata?.uid }, status: { phase: 'Failed', reason, message } },
      },
      mergePatch,
    );
    this.options.metrics?.podOperations.inc({ operation: 'failed' });
    this.options.log.warn('pod failed', { pod: `${namespace}/${name}`, reason, message });
  }

  private async removeFromApi(namespace: string, name: string, uid: string): Promise<void> {
    await this.core
      .deleteNamespacedPod({ name, namespace, body: { gracePeriodSeconds: 0, preconditions: { uid } } })
      .catch((error: unknown) => {
        if (!isNotFound(error) && !isConflict(error)) throw error;
      });
  }

  /** Writes the CCI pod's status onto the cluster's pod, once per CCI change. */
  private async reflect(pod: V1Pod, cciPod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    const version = cciPod.metadata?.resourceVersion ?? '';
    const status = cciPod.status;
    const last = this.reflected.get(key);
    if (!status?.phase || (last?.uid === uid && last.version === version)) return;
    // A plain merge patch (plain-request.ts): client-node's round trip through its model classes,
    // the returned pod included, was the largest CPU cost per pod.
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    await sendPlain(this.kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/status`,
      contentType: PatchStrategy.MergePatch,
      body: {
        metadata: { uid },
        status: {
          conditions: status.conditions,
          podIP: status.podIP,
          podIPs: status.podIPs,
          // The node the pod is bound to is the virtual node: its address, not CCI's host.
          hostIP: this.options.nodeAddress,
          hostIPs: [{ ip: this.options.nodeAddress }],
          startTime: status.startTime,
          // Phase and containers without the proxy sidecar, which is CCI's business.
          ...clusterPodStatus(cciPod),
        },
      },
    }).catch((error: unknown) => {
      if (!isNotFound(error) && !isConflict(error)) throw error;
    });
    this.reflected.set(key, { uid, version });
  }
}
