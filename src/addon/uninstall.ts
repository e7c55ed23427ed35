// The uninstall action, in the order that keeps the cluster working throughout: the webhook goes
// first (pod creation must never wait on a dead webhook); the virtual node is cordoned and its pods
// evicted so their controllers recreate them on CCE nodes (or deleted with force); the CCI side
// (the burst namespace, with its pods and network) is deleted through the CCI API with the
// add-on's own credentials; then every object of ours in reverse apply order, the node and its
// lease, and the release records last. Every step tolerates what is already gone, so an
// interrupted uninstall can simply be run again.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CertificatesV1Api,
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { CciApi, burstNamespace } from '../cloud/cci.js';
import { cloudConfigOf } from '../cloud/config.js';
import { CloudClient } from '../cloud/http.js';
import { Applier } from '../kube/apply.js';
import { NODE_LEASE_NAMESPACE } from '../kube/lease.js';
import { readInstalledCredentials } from './credentials.js';
import { DEFAULT_NODE_NAME, PROVIDER_DEPLOYMENT, WEBHOOK_CONFIGURATION } from '../shared/names.js';
import { deleteReleases, listReleases, saveRelease } from './release-store.js';
import { deleteIfOurs, notOurs } from './ownership.js';
import { APPLY_ORDER, describeRef, refOf, renderManifests, type ObjectRef } from './render.js';
import { resolveValues, type AddonValues } from './values.js';
import { isNotFound } from '../kube/errors.js';
import { mergePatch } from '../kube/merge-patch.js';
import { firstLine, VkctlError } from '../errors.js';

export interface UninstallRequest {
  kc: KubeConfig;
  namespace: string;
  dryRun: boolean;
  /** Delete the virtual node's pods at once instead of evicting them. */
  force: boolean;
  timeoutMs: number;
  progress: (message: string) => void;
}

export interface UninstallResult {
  outcome: 'uninstalled' | 'not-installed' | 'dry-run';
  removed: string[];
}

const isGone = isNotFound;
/** The Lease 0.1.0's replicas elected their leader on. */
const LEADER_LEASE = 'vkctl-provider';

export async function uninstall(request: UninstallRequest): Promise<UninstallResult> {
  const core = request.kc.makeApiClient(CoreV1Api);
  const releases = await listReleases(core, request.namespace);
  const latest = releases.at(-1);
  if (!latest) return { outcome: 'not-installed', removed: [] };
  // A managed record's values are the CCE instance's, none of vkctl's runtime.
  const values: Partial<AddonValues> = latest.mode === 'managed' ? {} : latest.values;
  const nodeName = values.nodeName ?? DEFAULT_NODE_NAME;
  // Everything any recorded revision applied: an interrupted upgrade may have left either set.
  const refs = new Map<string, ObjectRef>();
  for (const release of releases) for (const ref of release.objects ?? []) refs.set(describeRef(ref), ref);
  // A record that cannot be read lists nothing: what its version renders (interconnect included)
  // stands in, and only what carries this release's labels is deleted (deleteIfOurs).
  for (const release of releases.filter((r) => r.unreadable))
    for (const ref of renderedRefs(release.version, request.namespace)) refs.set(describeRef(ref), ref);
  // The webhook is handled first, on its own.
  refs.delete(`MutatingWebhookConfiguration/${WEBHOOK_CONFIGURATION}`);
  const ordered = [...refs.values()].sort(
    (a, b) => APPLY_ORDER.indexOf(b.kind) - APPLY_ORDER.indexOf(a.kind),
  );
  const cciNamespace =
    values.cciNamespace || (values.clusterId ? burstNamespace(values.clusterId) : undefined);
  const plan = [
    `MutatingWebhookConfiguration/${WEBHOOK_CONFIGURATION}`,
    `pods on node ${nodeName} (${request.force ? 'deleted' : 'evicted'})`,
    ...(cciNamespace ? [`CCI namespace ${cciNamespace}`] : []),
    ...ordered.map(describeRef),
    `Node/${nodeName}`,
    `Lease/${NODE_LEASE_NAMESPACE}/${nodeName}`,
    // 0.1.0's runtimes elected their leader on this Lease (0.2.0's on the node's).
    `Lease/${request.namespace}/${LEADER_LEASE}`,
    `CertificateSigningRequests of system:node:${nodeName} made by vkctl`,
    `release records (${releases.length})`,
  ];
  if (request.dryRun) {
    // What a real run would leave (not this release's) is not listed for deletion.
    const applier = new Applier(request.kc);
    const left = new Set<string>();
    for (const ref of ordered) {
      const live = await applier.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      });
      if (live && notOurs(live, request.namespace)) left.add(describeRef(ref));
    }
    return { outcome: 'dry-run', removed: plan.filter((entry) => !left.has(entry)) };
  }

  await saveRelease(core, request.namespace, {
    ...latest,
    status: 'uninstalling',
    description: 'Uninstall started',
  });
  const applier = new Applier(request.kc);
  request.progress(`deleting MutatingWebhookConfiguration/${WEBHOOK_CONFIGURATION}`);
  await applier.delete({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: WEBHOOK_CONFIGURATION },
  });

  await drainNode(core, nodeName, request);
  if (cciNamespace) await deleteCciNamespace(core, request, values, cciNamespace);

  for (const ref of ordered) {
    request.progress(`deleting ${describeRef(ref)}`);
    await deleteIfOurs(applier, ref, request.namespace, request.progress);
  }
  // The runtime, a node, may register its Node and Lease again for as long as it runs: they go only
  // once its pods are gone (within the timeout; a pod that hangs on is reported, not waited for).
  await waitForRuntimeGone(core, request);
  request.progress(`deleting Node/${nodeName} and its lease`);
  await core.deleteNode({ name: nodeName }).catch((e: unknown) => {
    if (!isGone(e)) throw e;
  });
  const leases = request.kc.makeApiClient(CoordinationV1Api);
  for (const [name, namespace] of [
    [nodeName, NODE_LEASE_NAMESPACE],
    [LEADER_LEASE, request.namespace],
  ] as const)
    await leases.deleteNamespacedLease({ name, namespace }).catch((e: unknown) => {
      if (!isGone(e)) throw e;
    });
  await deleteNodeCsrs(request, nodeName);
  await deleteReleases(core, request.namespace);
  return { outcome: 'uninstalled', removed: plan };
}

/** The objects `version` renders into `namespace`, whatever the values (none is read from them). */
function renderedRefs(version: string, namespace: string): ObjectRef[] {
  try {
    const values = resolveValues(version, {
      flags: { region: 'unknown', clusterId: 'unknown', interconnect: true },
    });
    const placeholder = { caCert: '', caKey: '', cert: '', key: '' };
    return renderManifests({
      version,
      namespace,
      values,
      credentials: { accessKey: '', secretKey: '' },
      webhook: placeholder,
    }).map(refOf);
  } catch {
    return []; // a version this CLI has no manifests for
  }
}

/**
 * The CSRs vkctl made for the node (its client certificate at install, the runtime's serving
 * certificates): the controller-manager collects issued ones after an hour, pending ones after a
 * day; uninstall does not leave them that long.
 */
async function deleteNodeCsrs(request: UninstallRequest, nodeName: string): Promise<void> {
  const certificates = request.kc.makeApiClient(CertificatesV1Api);
  const csrs = await certificates.listCertificateSigningRequest({
    labelSelector: 'app.kubernetes.io/managed-by=vkctl',
  });
  // Named vkctl-<node>-client-… and vkctl-<node>-serving-… (src/kube/csr.ts).
  const ours = csrs.items.filter((csr) => (csr.metadata?.name ?? '').startsWith(`vkctl-${nodeName}-`));
  for (const csr of ours) {
    request.progress(`deleting CertificateSigningRequest/${csr.metadata?.name}`);
    await certificates
      .deleteCertificateSigningRequest({ name: csr.metadata?.name ?? '' })
      .catch((e: unknown) => {
        if (!isGone(e)) throw e;
      });
  }
}

async function waitForRuntimeGone(core: CoreV1Api, request: UninstallRequest): Promise<void> {
  const deadline = Date.now() + Math.min(request.timeoutMs, 60_000);
  for (;;) {
    const left = (
      await core.listNamespacedPod({
        namespace: request.namespace,
        labelSelector: `app.kubernetes.io/name=${PROVIDER_DEPLOYMENT}`,
      })
    ).items.map((p) => p.metadata?.name ?? '');
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      request.progress(
        `the runtime's pods are still terminating (${left.join(', ')}); deleting its node anyway`,
      );
      return;
    }
    request.progress(`waiting for the runtime's pods to stop (${left.join(', ')})`);
    await sleep(1000);
  }
}

/** Cordons the virtual node and moves its pods off it, waiting until they are gone. */
async function drainNode(core: CoreV1Api, nodeName: string, request: UninstallRequest): Promise<void> {
  const node = await core.readNode({ name: nodeName }).catch((e: unknown) => {
    if (isGone(e)) return undefined;
    throw e;
  });
  if (!node) return;
  await core.patchNode({ name: nodeName, body: { spec: { unschedulable: true } } }, mergePatch);
  const podsOnNode = async (): Promise<V1Pod[]> =>
    (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` })).items;
  const deadline = Date.now() + request.timeoutMs;
  // DaemonSet pods are left, as `kubectl drain --ignore-daemonsets` leaves them: their controller
  // would put them back at once, and they go with the node (the runtime never sends them to CCI).
  const ownedByDaemonSet = (pod: V1Pod) =>
    (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.controller);
  const podsToDrain = async () => (await podsOnNode()).filter((pod) => !ownedByDaemonSet(pod));
  let pods = await podsToDrain();
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    if (request.force) {
      await core
        .deleteNamespacedPod({ name, namespace, body: { gracePeriodSeconds: 0 } })
        .catch(() => undefined);
    } else {
      await core
        .createNamespacedPodEviction({
          name,
          namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
        })
        .catch((e: unknown) => {
          if (!isGone(e))
            throw new Error(`cannot evict pod ${namespace}/${name}: ${firstLine(e)}`, { cause: e });
        });
    }
  }
  while (pods.length > 0) {
    request.progress(`waiting for ${pods.length} pod(s) to leave node ${nodeName}`);
    if (Date.now() > deadline) {
      throw new VkctlError(
        `${pods.length} pod(s) still on node ${nodeName} after ${Math.round(request.timeoutMs / 1000)} s (uninstall again to wait longer)`,
        { advice: { override: { option: 'force', effect: 'to delete them instead' } } },
      );
    }
    await sleep(1000);
    pods = await podsToDrain();
  }
}

/** Deletes the burst namespace in CCI with the credentials the add-on was installed with. */
async function deleteCciNamespace(
  core: CoreV1Api,
  request: UninstallRequest,
  values: Partial<AddonValues>,
  name: string,
): Promise<void> {
  const credentials = await readInstalledCredentials(core, request.namespace);
  if (!credentials || !values.projectId) {
    request.progress(
      `CCI namespace ${name}: no credentials or project recorded; delete it in the CCI console if it exists`,
    );
    return;
  }
  const config = cloudConfigOf({ region: values.region, endpoints: values.endpoints });
  const client = new CloudClient('cci', config.endpoints.cci, credentials);
  const cci = new CciApi(client, values.projectId);
  request.progress(`deleting CCI namespace ${name}`);
  await cci.deleteNamespace(name);
}
