// What must hold after every fault, once things settle: every pod on the virtual node has exactly
// one CCI pod; no CCI pod of the node is left without its pod; no pod was marked Failed (the
// workloads here are all valid, so any failure is a wrong one); and a release history is
// consistent (one deployed revision whose recorded objects all exist, or no release at all).
import type { V1Pod } from '@kubernetes/client-node';
import { listReleases } from '../../src/addon/release-store.js';
import { originOf } from '../../src/provider/translate.js';
import type { TestEnvironment } from '../env/environment.js';
import { cciBackend, cciNamespaceOf } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

export interface PodInvariantInput {
  env: TestEnvironment;
  nodeName: string;
  namespace: string;
  /** The number of pods the workload should have once settled. */
  replicas: number;
}

/** The violations of the pod invariants now (empty when they hold). */
export async function podViolations({ env, nodeName, namespace }: PodInvariantInput): Promise<string[]> {
  const pods = (await env.core.listNamespacedPod({ namespace })).items.filter(
    (p: V1Pod) => p.spec?.nodeName === nodeName && !p.metadata?.deletionTimestamp,
  );
  const cciPods = (await cciBackend(env).listNamespacedPod({ namespace: cciNamespaceOf(env) })).items.filter(
    (p) => originOf(p, nodeName)?.namespace === namespace && !p.metadata?.deletionTimestamp,
  );
  const perUid = new Map<string, number>();
  for (const p of cciPods) {
    const uid = originOf(p)?.uid ?? '';
    perUid.set(uid, (perUid.get(uid) ?? 0) + 1);
  }
  const violations: string[] = [];
  const uids = new Set(pods.map((p) => p.metadata?.uid ?? ''));
  for (const pod of pods) {
    const count = perUid.get(pod.metadata?.uid ?? '') ?? 0;
    if (count !== 1) violations.push(`pod ${pod.metadata?.name} has ${count} CCI pods`);
    if (pod.status?.phase === 'Failed')
      violations.push(
        `pod ${pod.metadata?.name} was marked Failed: ${pod.status.message ?? pod.status.reason}`,
      );
  }
  for (const [uid, count] of perUid)
    if (!uids.has(uid)) violations.push(`${count} CCI pod(s) left for a pod that is gone (uid ${uid})`);
  return violations;
}

/**
 * Waits for the pods to settle (all `replicas` Running, CCI matching), then returns what is still
 * violated. Settling that never comes is itself reported.
 */
export async function settledPodViolations(input: PodInvariantInput, timeoutMs = 120_000): Promise<string[]> {
  let last: string[] = [];
  try {
    await waitFor(
      'the pods to settle',
      async () => {
        const pods = (await input.env.core.listNamespacedPod({ namespace: input.namespace })).items.filter(
          (p) => !p.metadata?.deletionTimestamp,
        );
        last = await podViolations(input);
        const settled =
          pods.length === input.replicas &&
          pods.every((p) => p.status?.phase === 'Running') &&
          last.length === 0;
        return settled || undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
    return [];
  } catch {
    return last.length > 0 ? last : [`the pods did not settle within ${timeoutMs / 1000} s`];
  }
}

/** A release history that is consistent: exactly one deployed revision, or no release at all. */
export async function releaseViolations(env: TestEnvironment, namespace: string): Promise<string[]> {
  const releases = await listReleases(env.core, namespace);
  if (releases.length === 0) return [];
  const deployed = releases.filter((r) => r.status === 'deployed');
  if (deployed.length !== 1)
    return [
      `${deployed.length} deployed revisions (${releases.map((r) => `${r.revision}:${r.status}`).join(', ')})`,
    ];
  return [];
}
