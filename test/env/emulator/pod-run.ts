// What the emulator's runtime (cci-runtime.ts) keeps about each pod it runs: its containers, their
// statuses, a timeline of starts, hook returns and exits (tests read it), and its IP.
import type { V1Container, V1ContainerStatus } from '@kubernetes/client-node';
import type { RunningContainer } from './container-script.js';

/** A moment in a pod's life, kept with millisecond times (the API's timestamps have seconds). */
export interface ContainerEvent {
  container: string;
  event: 'started' | 'postStartReturned' | 'exited';
  at: number;
}

export interface PodRun {
  containers: Map<
    string,
    { run: RunningContainer; restarts: number; startedAt: Date; container: V1Container }
  >;
  /** Init and app containers alike: names are unique across both. */
  statuses: Map<string, V1ContainerStatus>;
  timeline: ContainerEvent[];
  podIP: string;
  deleting: boolean;
  /** Why its containers have not started yet (a missing ConfigMap or Secret), if that is so. */
  waiting?: string;
  env: Map<string, Record<string, string>>;
  /** Status updates go out one at a time, so they cannot land out of order. */
  publishing: Promise<void>;
}

/** A pod the runtime has accepted and not started yet. */
export function newPodRun(): PodRun {
  return {
    containers: new Map(),
    statuses: new Map(),
    timeline: [],
    podIP: '',
    deleting: false,
    env: new Map(),
    publishing: Promise.resolve(),
  };
}
