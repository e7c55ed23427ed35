// What the emulated CCI writes about a pod it runs: events, and the pod's status worded as a 1.19
// kubelet words it (kubelet-model.ts: phase, conditions, waiting reasons of containers not started).
import { randomBytes } from 'node:crypto';
import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type V1Container,
  type V1ContainerStatus,
  type V1Pod,
} from '@kubernetes/client-node';
import { notStarted, podConditions, podPhase } from './kubelet-model.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** What the runtime knows of a running pod, as far as its status goes. */
export interface PodRunView {
  statuses: Map<string, V1ContainerStatus>;
  podIP: string;
  /** Why its containers have not started yet, if that is so. */
  waiting?: string;
}

export async function recordPodEvent(
  core: CoreV1Api,
  pod: V1Pod,
  reason: string,
  message: string,
  type: string,
): Promise<void> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const now = new Date();
  await core.createNamespacedEvent({
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

/** Sends the pod's status as it is now. */
export async function writePodStatus(core: CoreV1Api, pod: V1Pod, run: PodRunView): Promise<void> {
  const spec = pod.spec ?? { containers: [] };
  const initContainers = spec.initContainers ?? [];
  // Until what they mount is there, no container starts.
  const notYet = initContainers.length > 0 ? 'PodInitializing' : 'ContainerCreating';
  const statusOf = (c: V1Container) =>
    (run.waiting ? undefined : run.statuses.get(c.name)) ?? notStarted(c, notYet);
  const initStatuses = initContainers.map(statusOf);
  const statuses = spec.containers.map(statusOf);
  const phase = podPhase(spec, initStatuses, statuses);
  const now = new Date();
  await core.patchNamespacedPodStatus(
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
          conditions: podConditions(spec, initStatuses, statuses, phase, now),
          ...(initContainers.length > 0 ? { initContainerStatuses: initStatuses } : {}),
          containerStatuses: statuses,
        },
      },
    },
    mergePatch,
  );
}
