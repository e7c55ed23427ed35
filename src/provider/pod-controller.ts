// Moves pods bound to the virtual node onto CCI and keeps the two sides true to each other:
// - a new pod is checked against CCI's rules; one that breaks them fails with reason
//   ProviderFailed and an event, and nothing is created in CCI; otherwise its CCI pod is created;
// - CCI's pod watch is reflected back onto the pod's status (phase, conditions, IP, containers);
// - a pod being deleted has its CCI pod deleted with the same grace period, and is removed from
//   the API once CCI has let its pod go.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import type { CciApi } from '../cloud/cci.js';
import { CloudApiError } from '../cloud/http.js';
import { startInformer, type RunningInformer } from '../kube/informer.js';
import { cciPodViolations, DEFAULT_SFS_STORAGE_CLASSES } from './pod-rules.js';
import { cciPodName, originOf, toCciPod } from './translate.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const code = (e: unknown) =>
  (e as { code?: number; status?: number }).code ?? (e as { status?: number }).status;

export interface PodControllerOptions {
  nodeName: string;
  cciNamespace: string;
  sfsStorageClasses?: readonly string[];
  log: (message: string) => void;
}

export class PodController {
  private readonly core: CoreV1Api;
  private informer: RunningInformer<V1Pod> | undefined;
  private readonly watchAbort = new AbortController();
  private readonly inFlight = new Set<string>();
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly cci: CciApi,
    private readonly options: PodControllerOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    this.informer = startInformer<V1Pod>(
      this.kc,
      '/api/v1/pods',
      () => this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${this.options.nodeName}` }),
      {
        add: (p) => this.enqueue(p),
        update: (p) => this.enqueue(p),
        error: (e) => this.options.log(`pod watch: ${(e as Error).message}`),
      },
      { fieldSelector: `spec.nodeName=${this.options.nodeName}` },
    );
    await this.informer.synced;
    void this.followCci();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watchAbort.abort();
    await this.informer?.stop();
  }

  private enqueue(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (this.inFlight.has(uid)) return;
    this.inFlight.add(uid);
    void this.reconcile(pod)
      .catch((error: unknown) =>
        this.options.log(
          `pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${(error as Error).message.split('\n')[0]}`,
        ),
      )
      .finally(() => this.inFlight.delete(uid));
  }

  private async reconcile(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const cciName = cciPodName(namespace, name);
    if (pod.metadata?.deletionTimestamp) {
      const existed = await this.cci.deletePod(
        this.options.cciNamespace,
        cciName,
        pod.metadata.deletionGracePeriodSeconds,
      );
      // With no CCI pod left to wait for, the API pod goes now; otherwise when CCI reports it gone.
      if (!existed) await this.removeFromApi(namespace, name, pod.metadata.uid ?? '');
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || pod.status?.reason === 'ProviderFailed') return;
    if (pod.status?.podIP || pod.status?.conditions?.some((c) => c.type === 'Ready')) return;

    const claims = new Map<string, string>();
    for (const volume of pod.spec?.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = await this.core
        .readNamespacedPersistentVolumeClaim({ name: claim, namespace })
        .catch(() => undefined);
      if (pvc) claims.set(claim, pvc.spec?.storageClassName ?? '');
    }
    // The rules judge what CCI would receive: the pod as translated, without the cluster's
    // service-account token volume that admission adds to every pod.
    const cciPod = toCciPod(pod);
    const violations = cciPodViolations(cciPod.spec ?? { containers: [] }, {
      sfsStorageClasses: this.options.sfsStorageClasses ?? DEFAULT_SFS_STORAGE_CLASSES,
      pvcStorageClass: (claim) => claims.get(claim),
    });
    if (violations.length > 0) {
      const message = `CCI cannot run this pod: ${violations.map((v) => (v.container ? `container ${v.container}: ${v.message}` : v.message)).join('; ')}`;
      await this.fail(pod, message);
      return;
    }
    try {
      await this.cci.createPod(this.options.cciNamespace, cciPod);
      this.options.log(`created CCI pod ${cciName} for ${namespace}/${name}`);
    } catch (error) {
      if (error instanceof CloudApiError && error.status === 409) return;
      if (error instanceof CloudApiError && [400, 403, 422].includes(error.status)) {
        await this.fail(pod, `CCI refused the pod: ${error.message}`);
        return;
      }
      throw error; // transient: the next resync or update retries
    }
  }

  private async fail(pod: V1Pod, message: string): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    // The event first: whoever sees the pod Failed can already read why.
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace, uid: pod.metadata?.uid },
        reason: 'ProviderFailed',
        message,
        type: 'Warning',
        source: { component: 'vkctl-provider', host: this.options.nodeName },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    await this.core.patchNamespacedPodStatus(
      { name, namespace, body: { status: { phase: 'Failed', reason: 'ProviderFailed', message } } },
      mergePatch,
    );
    this.options.log(`refused ${namespace}/${name}: ${message}`);
  }

  private async removeFromApi(namespace: string, name: string, uid: string): Promise<void> {
    await this.core
      .deleteNamespacedPod({ name, namespace, body: { gracePeriodSeconds: 0, preconditions: { uid } } })
      .catch((error: unknown) => {
        if (![404, 409].includes(code(error) ?? 0)) throw error;
      });
  }

  /** Lists CCI's pods, then watches them from there, again after every interruption. */
  private async followCci(): Promise<void> {
    let backoff = 200;
    while (!this.stopped) {
      try {
        const list = await this.cci.listPods(this.options.cciNamespace);
        for (const pod of list.items) await this.reflect('MODIFIED', pod);
        backoff = 200;
        for await (const event of this.cci.watchPods(
          this.options.cciNamespace,
          list.metadata?.resourceVersion ?? '',
          this.watchAbort.signal,
        )) {
          await this.reflect(event.type, event.object).catch((e: unknown) =>
            this.options.log(`reflect: ${(e as Error).message.split('\n')[0]}`),
          );
        }
      } catch (error) {
        if (this.stopped) return;
        this.options.log(`CCI watch: ${(error as Error).message.split('\n')[0]}`);
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  }

  private async reflect(type: string, cciPod: V1Pod): Promise<void> {
    const origin = originOf(cciPod);
    if (!origin) return;
    if (type === 'DELETED') {
      await this.removeFromApi(origin.namespace, origin.name, origin.uid);
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED') return;
    const status = cciPod.status;
    if (!status?.phase) return;
    await this.core
      .patchNamespacedPodStatus(
        {
          name: origin.name,
          namespace: origin.namespace,
          body: {
            metadata: { uid: origin.uid },
            status: {
              phase: status.phase,
              conditions: status.conditions,
              podIP: status.podIP,
              podIPs: status.podIPs,
              hostIP: status.podIP,
              startTime: status.startTime,
              containerStatuses: status.containerStatuses,
              initContainerStatuses: status.initContainerStatuses,
            },
          },
        },
        mergePatch,
      )
      .catch((error: unknown) => {
        if (![404, 409].includes(code(error) ?? 0)) throw error;
      });
  }
}
