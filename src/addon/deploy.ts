// Applying one revision: every object with server-side apply in order, then pruning what the
// previous revision had and this one does not (helm's "originals minus targets"); and waiting.
// install, upgrade and rollback all deploy through here.
import { AppsV1Api, CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { Applier } from '../kube/apply.js';
import { deleteIfOurs } from './ownership.js';
import { APPLY_ORDER, describeRef, refOf, type ObjectRef } from './render.js';
import { waitForAddon } from './wait.js';

export interface DeployRequest {
  kc: KubeConfig;
  namespace: string;
  objects: KubernetesObject[];
  /** What the revision being replaced applied; what is not applied now is deleted. */
  previous: readonly ObjectRef[];
  progress: (message: string) => void;
}

export interface ReadinessRequest {
  kc: KubeConfig;
  namespace: string;
  nodeName: string;
  timeoutMs: number;
  progress: (message: string) => void;
}

export async function deployRevision(request: DeployRequest): Promise<void> {
  const applier = new Applier(request.kc);
  for (const [i, object] of request.objects.entries()) {
    request.progress(`applying ${i + 1}/${request.objects.length}: ${object.kind}/${object.metadata?.name}`);
    await applier.apply(object);
  }
  const keep = new Set(request.objects.map((o) => describeRef(refOf(o))));
  const stale = request.previous
    .filter((ref) => !keep.has(describeRef(ref)))
    .sort((a, b) => APPLY_ORDER.indexOf(b.kind) - APPLY_ORDER.indexOf(a.kind));
  for (const ref of stale) {
    request.progress(`pruning ${describeRef(ref)}`);
    await deleteIfOurs(applier, ref, request.namespace, request.progress);
  }
}

/** Waits until the deployed revision is up; throws WaitTimeoutError when it is not in time. */
export async function waitForRevision(request: ReadinessRequest): Promise<void> {
  await waitForAddon(
    {
      apps: request.kc.makeApiClient(AppsV1Api),
      core: request.kc.makeApiClient(CoreV1Api),
      namespace: request.namespace,
      nodeName: request.nodeName,
    },
    request.timeoutMs,
    (state) => request.progress(`waiting: ${state}`),
  );
}
