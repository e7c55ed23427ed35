// The pod provider over CCI (pod-provider.ts): everything the pod controller does not need to know.
// - a cluster pod's counterpart is `<namespace>.<name>` in the burst namespace (translate.ts), made
//   from the pod as translated, with the interconnect proxy and the namespace's service links when
//   interconnect is on;
// - what CCI would refuse is refused first (CCI's rules, what an owner may ask, names the sidecar
//   reserves), as Permanent, so that nothing is created;
// - the ConfigMaps and Secrets a pod uses are copied to CCI first (resource-sync.ts), CCI's events
//   are shown on the cluster's pods (event-mirror.ts), and a proxy whose app containers are done is
//   stopped (interconnect/proxy-lifecycle.ts);
// - CCI's answers become kinds (errdefs.ts): 400, 403 and 422 are refusals no retry changes
//   (Permanent), 404 is NotFound unless it is CCI's "not authorized" one (which the user can mend),
//   and everything else may pass (Transient).
import { CoreV1Api, type KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { CloudApiError, CloudUnreachableError } from '../cloud/http.js';
import { CCI_NOT_AUTHORIZED } from '../cloud/cci-error-codes.js';
import { unlessNotFound } from '../kube/errors.js';
import { startInformer, withoutManagedFields, type RunningInformer } from '../kube/informer.js';
import { cciPodViolations, DEFAULT_SFS_STORAGE_CLASSES, ownerViolations } from '../shared/cci-rules.js';
import type { CciBackend } from './cci-backend.js';
import { CciPodCache } from './cci-pod-cache.js';
import { notFound, permanent, transient } from './errdefs.js';
import { EventMirror } from './event-mirror.js';
import { clusterPodStatus, ProxyStopper } from './interconnect/proxy-lifecycle.js';
import { reservedNameViolations } from './interconnect/reserved.js';
import { withServiceLinks } from './interconnect/service-links.js';
import { withProxySidecar, type ProxySidecarSettings } from './interconnect/sidecar.js';
import { NamespaceRepair } from './cci-namespace-repair.js';
import { CciContainerCommands } from './kubelet/cci-commands.js';
import { errorText, type Logger } from './logger.js';
import type { ProviderMetrics } from './metrics.js';
import type { PodKey, PodProvider, ProviderPod } from './pod-provider.js';
import type { PodReference } from './pod-references.js';
import { ResourceSync } from './resource-sync.js';
import { cciPodName, cciReferences, originOf, toCciPod } from './translate.js';

/** CCI answers that no retry will change. */
const PERMANENT_CCI_STATUSES = [400, 403, 422];

/** CCI's failure as a kind, with `refused` before CCI's message when it is a refusal. */
function classify(error: unknown, refused: string): unknown {
  if (error instanceof CloudApiError) {
    // Kubernetes' NamespaceLifecycle admission refuses a create while the namespace is being deleted
    // (403, cause NamespaceTerminating): it passes, and once the namespace is gone the repair makes
    // it again (cci-namespace-repair.ts), so the pod is created then rather than failed for good.
    if (error.status === 403 && error.causes.includes('NamespaceTerminating'))
      return transient(`${refused}: ${error.message}`, error);
    if (PERMANENT_CCI_STATUSES.includes(error.status))
      return permanent(`${refused}: ${error.message}`, error);
    if (error.status === 404 && !CCI_NOT_AUTHORIZED.includes(error.code ?? ''))
      return notFound(error.message, error);
    return transient(error.message, error);
  }
  if (error instanceof CloudUnreachableError) return transient(error.message, error);
  return error; // the cluster's (a PVC read): unclassified, so transient
}

export interface CciPodProviderOptions {
  nodeName: string;
  cciNamespace: string;
  sfsStorageClasses?: readonly string[];
  log: Logger;
  metrics?: ProviderMetrics;
  /** With interconnect on: the proxy sidecar every CCI pod gets. */
  sidecar?: ProxySidecarSettings;
  /** The pods bound to the node (the controller's cache): copies no pod uses are collected. */
  podsOnNode: (namespace: string) => readonly V1Pod[];
  /** Makes the namespace and its Network again when CCI says they are gone (cci-namespace-repair.ts). */
  repairNamespace?: () => Promise<unknown>;
}

export class CciPodProvider implements PodProvider {
  readonly name = 'CCI';
  private readonly core: CoreV1Api;
  private readonly cciPods: CciPodCache;
  private readonly resources: ResourceSync;
  private readonly events: EventMirror;
  private readonly namespaceRepair: NamespaceRepair;
  /** Even with interconnect off now: pods made while it was on still have a proxy to stop. */
  private readonly proxies: ProxyStopper;
  private services: RunningInformer<V1Service> | undefined;
  private changed: (pod: PodKey) => void = () => undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly cci: CciBackend,
    private readonly options: CciPodProviderOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    const { log, cciNamespace, nodeName } = options;
    this.cciPods = new CciPodCache(cci, cciNamespace, log, (cciPod) => {
      const origin = originOf(cciPod, nodeName);
      if (origin) this.changed(origin);
    });
    this.resources = new ResourceSync(kc, cci, {
      cciNamespace,
      nodeName,
      log,
      inUse: (namespace, reference) => this.referenced(namespace, reference),
    });
    this.namespaceRepair = new NamespaceRepair(options.repairNamespace, cciNamespace, log);
    this.proxies = new ProxyStopper(new CciContainerCommands(cci, cciNamespace), log);
    this.events = new EventMirror(kc, cci, {
      cciNamespace,
      nodeName,
      log,
      originOf: (name) => {
        const cciPod = this.cciPods.get(name);
        return cciPod ? originOf(cciPod, nodeName) : undefined;
      },
    });
  }

  podName(namespace: string, name: string): string {
    return cciPodName(namespace, name);
  }

  async start(changed: (pod: PodKey) => void): Promise<void> {
    this.changed = changed;
    await this.resources.start();
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
    await Promise.all([this.services?.synced, this.cciPods.start()]);
  }

  async resume(pods: readonly V1Pod[]): Promise<void> {
    this.events.start();
    // Copies changed while no runtime watched are brought up to date (unchanged ones are skipped).
    for (const pod of pods) {
      await this.resources.ensure(pod.metadata?.namespace ?? '', cciReferences(pod)).catch((error: unknown) =>
        this.options.log.warn('could not refresh CCI copies', {
          pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
          error: errorText(error),
        }),
      );
    }
    this.resources.collectSoon();
  }

  async stop(): Promise<void> {
    this.events.stop();
    this.cciPods.stop();
    await Promise.all([this.services?.stop(), this.resources.stop()]);
  }

  list(): PodKey[] {
    return this.cciPods.list().flatMap((cciPod) => originOf(cciPod, this.options.nodeName) ?? []);
  }

  get(namespace: string, name: string): ProviderPod | undefined {
    const cciPod = this.cciPods.get(cciPodName(namespace, name));
    if (!cciPod) return undefined;
    const status = cciPod.status;
    return {
      uid: originOf(cciPod, this.options.nodeName)?.uid,
      deleting: Boolean(cciPod.metadata?.deletionTimestamp),
      version: cciPod.metadata?.resourceVersion ?? '',
      status: status?.phase
        ? {
            conditions: status.conditions,
            podIP: status.podIP,
            podIPs: status.podIPs,
            startTime: status.startTime,
            // Phase and containers without the proxy sidecar, which is CCI's business.
            ...clusterPodStatus(cciPod),
          }
        : undefined,
    };
  }

  async create(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const cciPod = this.translate(pod);
    const violations = [
      ...ownerViolations(pod.metadata),
      ...reservedNameViolations(pod.spec ?? { containers: [] }, this.options.sidecar !== undefined),
      ...cciPodViolations(cciPod.spec ?? { containers: [] }, {
        sfsStorageClasses: this.options.sfsStorageClasses ?? DEFAULT_SFS_STORAGE_CLASSES,
        pvcStorageClass: await this.claimClasses(pod),
      }),
    ];
    if (violations.length > 0)
      throw permanent(
        `CCI cannot run this pod: ${violations.map((v) => (v.container ? `container ${v.container}: ${v.message}` : v.message)).join('; ')}`,
      );
    const missing = await this.resources.ensure(namespace, cciReferences(pod)).catch((error: unknown) => {
      this.namespaceRepair.notice(error);
      throw classify(error, 'CCI refused a ConfigMap or Secret of the pod');
    });
    // An optional reference that does not exist is no reason to wait (the kubelet skips it too).
    const required = missing.filter((m) => !m.optional);
    if (required.length > 0)
      this.options.log.info('pod waits in CCI for what it references', {
        pod: `${namespace}/${name}`,
        missing: required.map((m) => `${m.kind}/${m.name}`),
      });
    try {
      await this.cci.createPod(this.options.cciNamespace, cciPod);
    } catch (error) {
      // It exists (an earlier try whose answer was lost): the CCI watch brings it. Any other 409
      // (no Active Network yet, say) is retried like any passing failure.
      if (error instanceof CloudApiError && error.status === 409 && error.code === 'AlreadyExists') return;
      this.namespaceRepair.notice(error);
      throw classify(error, 'CCI refused the pod');
    }
    this.options.metrics?.podOperations.inc({ operation: 'created' });
    this.options.log.info('created CCI pod', { pod: `${namespace}/${name}`, cciPod: cciPod.metadata?.name });
  }

  async delete(namespace: string, name: string, gracePeriodSeconds?: number): Promise<void> {
    const cciName = cciPodName(namespace, name);
    const deleted = await this.cci
      .deletePod(this.options.cciNamespace, cciName, gracePeriodSeconds)
      .catch((error: unknown) => {
        throw classify(error, 'CCI refused to delete the pod');
      });
    this.options.metrics?.podOperations.inc({ operation: 'deleted' });
    this.options.log.info('deleting CCI pod', {
      pod: `${namespace}/${name}`,
      cciPod: cciName,
      gracePeriodSeconds,
    });
    if (!deleted) throw notFound(`the CCI pod ${cciName} is gone already`);
  }

  async tend(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const cciPod = this.cciPods.get(cciPodName(namespace, name));
    if (cciPod) await this.proxies.stopWhenDone(namespace, name, cciPod);
  }

  forget(namespace: string, name: string): void {
    this.proxies.forget(`${namespace}/${name}`);
    this.resources.collectSoon();
  }

  /**
   * What CCI would receive, which the rules judge: the pod as translated (with the proxy sidecar
   * and service links when interconnect is on), without the cluster's service-account token volume.
   */
  private translate(pod: V1Pod): V1Pod {
    const namespace = pod.metadata?.namespace ?? '';
    const { sidecar } = this.options;
    return sidecar
      ? withServiceLinks(
          withProxySidecar(toCciPod(pod), sidecar),
          [...(this.services?.list(namespace) ?? [])],
          this.services?.get('kubernetes', 'default'),
        )
      : toCciPod(pod);
  }

  /** The storage class of each PersistentVolumeClaim the pod mounts (CCI takes only some). */
  private async claimClasses(pod: V1Pod): Promise<(claim: string) => string | undefined> {
    const namespace = pod.metadata?.namespace ?? '';
    const claims = new Map<string, string>();
    for (const volume of pod.spec?.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = await unlessNotFound(
        this.core.readNamespacedPersistentVolumeClaim({ name: claim, namespace }),
      );
      if (pvc) claims.set(claim, pvc.spec?.storageClassName ?? '');
    }
    return (claim) => claims.get(claim);
  }

  private referenced(namespace: string, reference: PodReference): boolean {
    return this.options
      .podsOnNode(namespace)
      .some((pod) => cciReferences(pod).some((r) => r.kind === reference.kind && r.name === reference.name));
  }
}
