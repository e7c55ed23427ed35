// Copies of the ConfigMaps and Secrets that pods on the virtual node use, kept in CCI's namespace:
// made before a pod is created there, updated when the original changes, deleted when no pod on the
// node uses them any more. Copies carry the managed-by label and their origin, so the runtime
// finds its own after a restart and never touches anything else.
import {
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Secret,
} from '@kubernetes/client-node';
import type { CciBackend } from './cci-backend.js';
import { startInformer, type RunningInformer } from '../kube/informer.js';
import { errorText, type Logger } from './logger.js';
import type { PodReference, ReferenceKind } from './pod-references.js';
import { cciObjectName, ORIGIN_NAME, ORIGIN_NAMESPACE } from './translate.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
const SOURCE_VERSION = 'vkctl.io/source-resource-version';
const NODE_LABEL = 'vkctl.io/node';
const RESOURCE: Record<ReferenceKind, string> = { configmap: 'configmaps', secret: 'secrets' };
/** Secrets CCI would not take, or that must not leave the cluster. */
const UNCOPYABLE_SECRET_TYPES = new Set(['kubernetes.io/service-account-token']);

type Source = V1ConfigMap | V1Secret;

export interface ResourceSyncOptions {
  cciNamespace: string;
  /** Copies are labelled with their node: a runtime collects only its own. */
  nodeName: string;
  log: Logger;
  /** Whether any pod on the node still uses this ConfigMap or Secret. */
  inUse: (namespace: string, reference: PodReference) => boolean;
}

/** How long the first read of a source may take (a node's read is allowed once the apiserver has
 * seen the pod bound to it, which can lag the binding by a moment). */
const FIRST_READ_TIMEOUT_MS = 15_000;

export class ResourceSync {
  private readonly core: CoreV1Api;
  /**
   * One watch per source a pod on the node uses, by name, as a kubelet watches them: the Node
   * authorizer lets a node read only the Secrets and ConfigMaps of its own pods, one by one.
   * `kind/namespace/name` → its watch.
   */
  private readonly sources = new Map<string, { informer: RunningInformer<Source>; lastError?: unknown }>();
  /** `kind/copyName` → the source's resourceVersion the copy holds. */
  private readonly copies = new Map<string, string>();
  private collecting: NodeJS.Timeout | undefined;
  /** One change at a time per copy: a copy and its removal must not cross. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly cci: CciBackend,
    private readonly options: ResourceSyncOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    // The copies a previous run left, so that unused ones are collected and used ones not rewritten.
    for (const kind of ['configmap', 'secret'] as const) {
      const list = await this.cci.list<Source>(this.options.cciNamespace, RESOURCE[kind], this.selector);
      for (const copy of list.items) {
        this.copies.set(`${kind}/${copy.metadata?.name}`, copy.metadata?.annotations?.[SOURCE_VERSION] ?? '');
      }
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.collecting);
    const watches = [...this.sources.values()];
    this.sources.clear();
    await Promise.all(watches.map((w) => w.informer.stop()));
  }

  /** The source, watched from now on; waits for the watch's first list. */
  private async watch(kind: ReferenceKind, namespace: string, name: string): Promise<Source | undefined> {
    const key = `${kind}/${namespace}/${name}`;
    let watch = this.sources.get(key);
    if (!watch) {
      const changed = (object: Source) =>
        void this.sourceChanged(kind, object).catch((error: unknown) =>
          this.options.log.warn('could not update a CCI copy', {
            kind,
            namespace,
            name,
            error: errorText(error),
          }),
        );
      const fieldSelector = `metadata.name=${name}`;
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/${RESOURCE[kind]}`;
      const list = () =>
        kind === 'configmap'
          ? this.core.listNamespacedConfigMap({ namespace, fieldSelector })
          : this.core.listNamespacedSecret({ namespace, fieldSelector });
      const entry: { informer: RunningInformer<Source>; lastError?: unknown } = {
        informer: startInformer<Source>(
          this.kc,
          path,
          list,
          { add: changed, update: changed, error: (error) => (entry.lastError = error) },
          { fieldSelector },
        ),
      };
      watch = entry;
      this.sources.set(key, watch);
    }
    const current = watch;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), FIRST_READ_TIMEOUT_MS);
    });
    const result = await Promise.race([current.informer.synced.then(() => 'synced' as const), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      // Only this watch is given up (another caller may have started a newer one meanwhile).
      if (this.sources.get(key) === current) this.sources.delete(key);
      await current.informer.stop();
      throw new Error(
        `cannot read ${kind} ${namespace}/${name}: ${current.lastError ? errorText(current.lastError) : 'no answer'}`,
        { cause: current.lastError },
      );
    }
    return current.informer.get(name, namespace);
  }

  /** Stops watching sources no pod on the node uses any more. */
  private async unwatchUnused(): Promise<void> {
    for (const [key, watch] of this.sources) {
      const [kind, namespace = '', ...rest] = key.split('/');
      const name = rest.join('/');
      if (this.options.inUse(namespace, { kind: kind as ReferenceKind, name })) continue;
      this.sources.delete(key);
      await watch.informer.stop();
    }
  }

  private get selector(): string {
    return `${MANAGED_BY_LABEL}=vkctl,${NODE_LABEL}=${this.options.nodeName}`;
  }

  /**
   * Makes sure CCI has a current copy of each reference; returns those that do not exist in the
   * cluster (the pod waits for them in CCI, as it would on a node).
   */
  async ensure(namespace: string, references: readonly PodReference[]): Promise<PodReference[]> {
    const missing: PodReference[] = [];
    for (const reference of references) {
      const source = await this.watch(reference.kind, namespace, reference.name);
      if (source) await this.copy(reference.kind, source);
      else missing.push(reference);
    }
    return missing;
  }

  private async sourceChanged(kind: ReferenceKind, source: Source): Promise<void> {
    const { namespace = '', name = '' } = source.metadata ?? {};
    if (this.options.inUse(namespace, { kind, name })) await this.copy(kind, source);
  }

  private locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  private copy(kind: ReferenceKind, source: Source): Promise<void> {
    const { namespace = '', name = '' } = source.metadata ?? {};
    return this.locked(`${kind}/${cciObjectName(namespace, name)}`, () => this.copyNow(kind, source));
  }

  private async copyNow(kind: ReferenceKind, source: Source): Promise<void> {
    const { namespace = '', name = '', resourceVersion = '' } = source.metadata ?? {};
    if (kind === 'secret' && UNCOPYABLE_SECRET_TYPES.has((source as V1Secret).type ?? '')) return;
    const copyName = cciObjectName(namespace, name);
    const key = `${kind}/${copyName}`;
    if (this.copies.get(key) === resourceVersion) return;
    const metadata: KubernetesObject['metadata'] = {
      name: copyName,
      labels: { [MANAGED_BY_LABEL]: 'vkctl', [NODE_LABEL]: this.options.nodeName },
      annotations: { [ORIGIN_NAMESPACE]: namespace, [ORIGIN_NAME]: name, [SOURCE_VERSION]: resourceVersion },
    };
    const body =
      kind === 'configmap'
        ? {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata,
            data: source.data,
            binaryData: (source as V1ConfigMap).binaryData,
          }
        : { apiVersion: 'v1', kind: 'Secret', metadata, type: (source as V1Secret).type, data: source.data };
    await this.cci.put(this.options.cciNamespace, RESOURCE[kind], body);
    this.copies.set(key, resourceVersion);
    this.options.log.debug('synced a copy to CCI', { kind, namespace, name, copy: copyName });
  }

  /** Deletes unused copies soon (after pods go, several removals are collected at once). */
  collectSoon(delayMs = 500): void {
    clearTimeout(this.collecting);
    this.collecting = setTimeout(() => {
      this.collectGarbage().catch((error: unknown) =>
        this.options.log.warn('could not collect unused CCI copies', { error: errorText(error) }),
      );
    }, delayMs);
  }

  /** Deletes every copy no pod on the node uses, and stops watching what they copied. */
  async collectGarbage(): Promise<void> {
    await this.unwatchUnused();
    const list = await Promise.all(
      (['configmap', 'secret'] as const).map(async (kind) => ({
        kind,
        items: (await this.cci.list<Source>(this.options.cciNamespace, RESOURCE[kind], this.selector)).items,
      })),
    );
    for (const { kind, items } of list) {
      for (const copy of items) {
        const namespace = copy.metadata?.annotations?.[ORIGIN_NAMESPACE];
        const name = copy.metadata?.annotations?.[ORIGIN_NAME];
        if (!namespace || !name) continue;
        const key = `${kind}/${copy.metadata?.name}`;
        // Checked again under the lock: a pod that starts using it now makes its copy after this.
        await this.locked(key, async () => {
          if (this.options.inUse(namespace, { kind, name })) return;
          this.copies.delete(key);
          await this.cci.remove(this.options.cciNamespace, RESOURCE[kind], copy.metadata?.name ?? '');
          this.options.log.info('deleted an unused CCI copy', { kind, namespace, name });
        });
      }
    }
  }
}
