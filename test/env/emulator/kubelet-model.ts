// What a Kubernetes 1.19 kubelet (CCI's API level, ../shared/reference/huawei-cloud-2.md §1)
// decides about a pod's containers, for the emulator's runtime (cci-runtime.ts): the order they
// start in, what a postStart hook holds up, and the status it reports. 1.19 has no native sidecars:
// every init container runs to completion, one after another, before any app container starts.
// Sources are kubernetes v1.19.16, pkg/kubelet/...:
// - kuberuntime/kuberuntime_manager.go computePodActions: init containers one at a time (the next
//   only once the one before exited 0); a failed one is started again unless restartPolicy is
//   Never, which kills the pod; app containers only once all init containers are done.
// - kuberuntime/kuberuntime_manager.go SyncPod step 7: the app containers are started in list order,
//   each by startContainer, whose step 4 runs the postStart hook and returns only when it has;
//   so the next container is not started until the previous one's hook has returned.
// - kubelet_pods.go getPhase: the pod's phase from its containers' states.
// - kubelet_pods.go convertToAPIContainerStatuses: a container not started yet is waiting,
//   PodInitializing when the pod has init containers, else ContainerCreating.
// - prober/prober_manager.go UpdatePodStatus: an init container is ready once it exited 0.
// - status/generate.go: Initialized is False, reason ContainersNotInitialized, while an init
//   container has not succeeded; ContainersReady and Ready need every app container ready.
import type {
  V1Container,
  V1ContainerState,
  V1ContainerStatus,
  V1Pod,
  V1PodCondition,
  V1PodSpec,
} from '@kubernetes/client-node';

/** The status of a container that has not started. */
export function notStarted(container: V1Container, reason: string): V1ContainerStatus {
  return {
    name: container.name,
    image: container.image ?? '',
    imageID: '',
    ready: false,
    restartCount: 0,
    state: { waiting: { reason } },
  };
}

/** The first init container that has not exited 0, or undefined once all have. */
export function nextInitContainer(
  spec: V1PodSpec,
  statuses: Map<string, V1ContainerStatus>,
): V1Container | undefined {
  return (spec.initContainers ?? []).find((c) => statuses.get(c.name)?.state?.terminated?.exitCode !== 0);
}

const stateOf = (s: V1ContainerStatus | undefined) => {
  if (s?.state?.running) return 'running';
  if (s?.state?.terminated) return s.state.terminated.exitCode === 0 ? 'succeeded' : 'failed';
  if (s?.state?.waiting) {
    const last = s.lastState?.terminated;
    if (last) return last.exitCode === 0 ? 'stoppedOk' : 'stoppedFailed';
    return 'waiting';
  }
  return 'unknown';
};

/** getPhase: Pending, Running, Succeeded or Failed from the init and app containers' statuses. */
export function podPhase(
  spec: V1PodSpec,
  initStatuses: V1ContainerStatus[],
  statuses: V1ContainerStatus[],
): string {
  const policy = spec.restartPolicy ?? 'Always';
  const init = initStatuses.map(stateOf);
  const initFailed = init.some((s) => s === 'failed' || s === 'stoppedFailed');
  const initPending = init.some((s) => s === 'running' || s === 'waiting' || s === 'unknown');
  if (initFailed && policy === 'Never') return 'Failed';
  const app = statuses.map(stateOf);
  const count = (...states: string[]) => app.filter((s) => states.includes(s)).length;
  const running = count('running');
  const unknown = count('unknown');
  const stopped = count('succeeded', 'failed', 'stoppedOk', 'stoppedFailed');
  // A container waiting to restart counts as stopped, never as succeeded.
  const succeeded = count('succeeded');
  if (initPending || count('waiting') > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return policy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

/** The pod's conditions as the kubelet words them. */
export function podConditions(
  spec: V1PodSpec,
  initStatuses: V1ContainerStatus[],
  statuses: V1ContainerStatus[],
  phase: string,
  now: Date,
): V1PodCondition[] {
  const condition = (type: string, ok: boolean, reason?: string, message?: string): V1PodCondition => ({
    type,
    status: ok ? 'True' : 'False',
    lastTransitionTime: now,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  });
  const uninitialized = (spec.initContainers ?? [])
    .filter((c) => !initStatuses.find((s) => s.name === c.name)?.ready)
    .map((c) => c.name);
  const initialized =
    phase === 'Succeeded' || uninitialized.length === 0
      ? condition('Initialized', true)
      : condition(
          'Initialized',
          false,
          'ContainersNotInitialized',
          `containers with incomplete status: [${uninitialized.join(' ')}]`,
        );
  // GenerateContainersReadyCondition and GeneratePodReadyCondition (no readiness gates in CCI).
  const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
  const ready = phase !== 'Succeeded' && notReady.length === 0;
  const why =
    phase === 'Succeeded'
      ? ['PodCompleted']
      : ready
        ? []
        : ['ContainersNotReady', `containers with unready status: [${notReady.join(' ')}]`];
  return [
    condition('PodScheduled', true),
    initialized,
    condition('ContainersReady', ready, ...why),
    condition('Ready', ready, ...why),
  ];
}

/** The status of a container the runtime has just started (its `restarts`-th restart). */
export function runningStatus(
  pod: V1Pod,
  container: V1Container,
  restarts: number,
  startedAt: Date,
  lastState: V1ContainerState | undefined,
): V1ContainerStatus {
  const uid = pod.metadata?.uid ?? '';
  return {
    name: container.name,
    image: container.image ?? '',
    imageID: `cci://${container.image}`,
    containerID: `cci://${uid}/${container.name}/${restarts}`,
    // An init container is ready only once it exited 0 (prober_manager.go UpdatePodStatus).
    ready: !(pod.spec?.initContainers ?? []).includes(container),
    started: true,
    restartCount: restarts,
    state: { running: { startedAt } },
    lastState: lastState ?? {},
  };
}

/**
 * What follows a container's exit: whether it is an init container, whether it runs again, and its
 * status now (undefined when it had none). An init container that failed runs again unless the
 * pod's restartPolicy is Never, which fails the pod (computePodActions); one that exited 0 is done,
 * and ready (prober_manager.go). An app container runs again per restartPolicy.
 */
export function afterExit(
  pod: V1Pod,
  containerName: string,
  exitCode: number,
  startedAt: Date,
  status: V1ContainerStatus | undefined,
): { init: boolean; restart: boolean; next: V1ContainerStatus | undefined } {
  const init = (pod.spec?.initContainers ?? []).some((c) => c.name === containerName);
  const terminated = {
    exitCode,
    reason: exitCode === 0 ? 'Completed' : 'Error',
    startedAt,
    finishedAt: new Date(),
    containerID: status?.containerID,
  };
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const restart = init
    ? exitCode !== 0 && policy !== 'Never'
    : policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
  if (!status) return { init, restart, next: undefined };
  const next: V1ContainerStatus = { ...status, ready: init && exitCode === 0, started: false };
  if (restart) {
    next.lastState = { terminated };
    next.state = { waiting: { reason: 'CrashLoopBackOff', message: 'back-off restarting failed container' } };
  } else {
    next.state = { terminated };
  }
  return { init, restart, next };
}
