// When each pod of a namespace was bound to a node and when it was Running, as this process sees
// them through one informer (it lists again after a dropped watch, so no pod is missed).
import type { V1Pod } from '@kubernetes/client-node';
import { startInformer, type RunningInformer } from '../src/kube/informer.js';
import type { TestEnvironment } from '../test/env/environment.js';

export interface PodTiming {
  /** By uid: when this process saw the pod bound, and Running (performance.now()). */
  bound: Map<string, number>;
  running: Map<string, number>;
  /** Each pod's name, by uid (the audit log names pods, not uids). */
  names: Map<string, string>;
  /** Only pods with this app label count (others, e.g. lone pods before a burst, are ignored). */
  only(app: string | undefined): void;
  clear(): void;
  stop(): Promise<void>;
}

export async function timePods(env: TestEnvironment, namespace: string): Promise<PodTiming> {
  const bound = new Map<string, number>();
  const running = new Map<string, number>();
  const names = new Map<string, string>();
  let app: string | undefined;
  const seen = (pod: V1Pod) => {
    if (app && pod.metadata?.labels?.app !== app) return;
    const uid = pod.metadata?.uid ?? '';
    const now = performance.now();
    if (pod.spec?.nodeName && !bound.has(uid)) {
      bound.set(uid, now);
      names.set(uid, pod.metadata?.name ?? '');
    }
    if (pod.status?.phase === 'Running' && !running.has(uid)) running.set(uid, now);
  };
  const informer: RunningInformer<V1Pod> = startInformer<V1Pod>(
    env.kc,
    `/api/v1/namespaces/${namespace}/pods`,
    () => env.core.listNamespacedPod({ namespace }),
    { add: seen, update: seen },
  );
  await informer.synced;
  return {
    bound,
    running,
    names,
    only: (label) => (app = label),
    clear: () => {
      bound.clear();
      running.clear();
      names.clear();
    },
    stop: () => informer.stop(),
  };
}
