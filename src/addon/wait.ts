// Waits until the add-on is up: the provider Deployment rolled out and available, and the virtual
// node Ready. Reports each change of state through `progress`, for a live line in the terminal.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppsV1Api, CoreV1Api, CoreV1Event, V1Deployment } from '@kubernetes/client-node';
import { PROVIDER_DEPLOYMENT } from '../shared/names.js';

export class WaitTimeoutError extends Error {}

export interface WaitTarget {
  apps: AppsV1Api;
  core: CoreV1Api;
  namespace: string;
  nodeName: string;
}

/** A Deployment's rollout, in the same stages and words as `kubectl rollout status`. */
export function rolloutState(d: V1Deployment): { done: boolean; text: string } {
  const want = d.spec?.replicas ?? 1;
  const updated = d.status?.updatedReplicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
  const total = d.status?.replicas ?? 0;
  let text = 'deployment rolled out';
  if (!observed) text = 'deployment update not yet observed';
  else if (updated < want) text = `deployment: ${updated} of ${want} new replicas updated`;
  else if (total > updated) text = `deployment: ${total - updated} old replicas pending termination`;
  else if (available < updated) text = `deployment: ${available} of ${updated} updated replicas available`;
  return { done: text === 'deployment rolled out', text };
}

/** Why the runtime's pods are not running, one clause per pod that is stuck (empty when none is). */
export async function podTrouble(core: CoreV1Api, namespace: string): Promise<string[]> {
  const pods = await core.listNamespacedPod({
    namespace,
    labelSelector: `app.kubernetes.io/name=${PROVIDER_DEPLOYMENT}`,
  });
  const trouble: string[] = [];
  for (const pod of pods.items) {
    if (pod.metadata?.deletionTimestamp) continue;
    const name = pod.metadata?.name ?? '';
    const unscheduled = pod.status?.conditions?.find(
      (c) => c.type === 'PodScheduled' && c.status === 'False',
    );
    if (unscheduled) {
      trouble.push(
        `pod ${name}: ${unscheduled.reason ?? 'not scheduled'}: ${unscheduled.message ?? ''}`.trim(),
      );
      continue;
    }
    const stuck = (pod.status?.containerStatuses ?? []).filter(
      (status) => status.state?.waiting?.reason && status.state.waiting.reason !== 'ContainerCreating',
    );
    if (stuck.length === 0) continue;
    // The pod's latest warning event often says more (the registry's answer to a failed pull).
    // (Extra words only: without the right to list events, the reason above still stands.)
    const warning = (
      await core
        .listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name},type=Warning` })
        .catch(() => ({ items: [] as CoreV1Event[] }))
    ).items.at(-1);
    for (const status of stuck) {
      const waiting = status.state?.waiting;
      const event =
        warning?.message && warning.message !== waiting?.message
          ? ` (event ${warning.reason}: ${warning.message})`
          : '';
      trouble.push(
        `pod ${name}: ${status.name}: ${waiting?.reason}${waiting?.message ? `: ${waiting.message}` : ''}${event}`,
      );
    }
  }
  return trouble;
}

async function deploymentState(target: WaitTarget): Promise<{ ready: boolean; text: string }> {
  const d = await target.apps.readNamespacedDeployment({
    name: PROVIDER_DEPLOYMENT,
    namespace: target.namespace,
  });
  const { done, text } = rolloutState(d);
  if (done) return { ready: true, text };
  // When stuck, why: the scheduler's or the kubelet's word on each pod that does not run.
  const why = await podTrouble(target.core, target.namespace).catch(() => []);
  return { ready: false, text: why.length > 0 ? `${text} (${why.join('; ')})` : text };
}

async function nodeState(target: WaitTarget): Promise<{ ready: boolean; text: string }> {
  const node = await target.core.readNode({ name: target.nodeName }).catch(() => undefined);
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return {
    ready,
    text: `node ${target.nodeName} ${node ? (ready ? 'Ready' : 'NotReady') : 'not registered yet'}`,
  };
}

export async function waitForAddon(
  target: WaitTarget,
  timeoutMs: number,
  progress: (state: string) => void,
): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last = '';
  let lastSaid = 0;
  for (;;) {
    const [deployment, node] = await Promise.all([deploymentState(target), nodeState(target)]);
    const state = `${deployment.text}, ${node.text}`;
    // Each change at once, and the same state again every 10 s, with the time spent so far.
    if (state !== last || Date.now() - lastSaid >= 10_000) {
      progress(`${state} (${Math.round((Date.now() - started) / 1000)} s)`);
      lastSaid = Date.now();
    }
    last = state;
    if (deployment.ready && node.ready) return;
    if (Date.now() > deadline)
      throw new WaitTimeoutError(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the add-on: ${state}`,
      );
    await sleep(1000);
  }
}
