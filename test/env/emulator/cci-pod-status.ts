// What the emulated CCI writes about a pod it runs: events, and the pod's status worded as a 1.19
// kubelet words it (kubelet-model.ts: phase, conditions, waiting reasons of containers not started).
// Both are sent as plain JSON (src/kube/plain-request.ts), not through client-node's generated
// client: its model (de)serialization and node-fetch were a fifth of the emulator's CPU in a
// 1,000-pod burst, which the bench's figures through the emulator then mostly measured.
import { randomBytes } from 'node:crypto';
import type { CoreV1Event, KubeConfig, V1Container, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { sendPlain } from '../../../src/kube/plain-request.js';
import { notStarted, podConditions, podPhase } from './kubelet-model.js';

/** What the runtime knows of a running pod, as far as its status goes. */
export interface PodRunView {
  statuses: Map<string, V1ContainerStatus>;
  podIP: string;
  /** Why its containers have not started yet, if that is so. */
  waiting?: string;
}

export async function recordPodEvent(
  kc: KubeConfig,
  pod: V1Pod,
  reason: string,
  message: string,
  type: string,
): Promise<void> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const now = new Date();
  const event: CoreV1Event = {
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
  };
  await sendPlain(kc, { method: 'POST', path: `/api/v1/namespaces/${namespace}/events`, body: event });
}

/** Sends the pod's status as it is now. */
export async function writePodStatus(kc: KubeConfig, pod: V1Pod, run: PodRunView): Promise<void> {
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
  const { name = '', namespace = '' } = pod.metadata ?? {};
  await sendPlain(kc, {
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace}/pods/${name}/status`,
    contentType: 'application/merge-patch+json',
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
  });
}
