// Waits until the add-on is up: the provider Deployment rolled out and available, and the virtual
// node Ready. Reports each change of state through `progress`, for a live line in the terminal.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { PROVIDER_DEPLOYMENT } from './names.js';

export class WaitTimeoutError extends Error {}

export interface WaitTarget {
  apps: AppsV1Api;
  core: CoreV1Api;
  namespace: string;
  nodeName: string;
}

async function deploymentState(target: WaitTarget): Promise<{ ready: boolean; text: string }> {
  const d = await target.apps.readNamespacedDeployment({
    name: PROVIDER_DEPLOYMENT,
    namespace: target.namespace,
  });
  const want = d.spec?.replicas ?? 1;
  const updated = d.status?.updatedReplicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
  const total = d.status?.replicas ?? 0;
  // The same stages, and words, as `kubectl rollout status`.
  let text = 'deployment rolled out';
  if (!observed) text = 'deployment update not yet observed';
  else if (updated < want) text = `deployment: ${updated} of ${want} new replicas updated`;
  else if (total > updated) text = `deployment: ${total - updated} old replicas pending termination`;
  else if (available < updated) text = `deployment: ${available} of ${updated} updated replicas available`;
  return { ready: text === 'deployment rolled out', text };
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
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const [deployment, node] = await Promise.all([deploymentState(target), nodeState(target)]);
    const state = `${deployment.text}, ${node.text}`;
    if (state !== last) progress(state);
    last = state;
    if (deployment.ready && node.ready) return;
    if (Date.now() > deadline)
      throw new WaitTimeoutError(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the add-on: ${state}`,
      );
    await sleep(1000);
  }
}
