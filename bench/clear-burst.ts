// Clearing up after a burst benchmark, so the next one starts on an idle control plane.
import { CoreV1Api } from '@kubernetes/client-node';
import { burstNamespace } from '../src/cloud/cci.js';
import type { TestEnvironment } from '../test/env/environment.js';
import { waitFor } from '../test/env/wait.js';

/**
 * Removes a burst whose runtime is gone: the Deployment, then every pod of the namespace at once
 * (nothing would finish their graceful deletion), and every pod in the emulated CCI's burst
 * namespace, the test environment's emulator's or `cciNamespace` (the bench runs one runtime at a
 * time, so all of them are the finished run's).
 * Waits until the namespace and the CCI pods are gone: without this, the next run would share the
 * machine with the namespace controller deleting the burst's events and the garbage collector's
 * clean-up.
 */
export async function clearBurst(
  env: TestEnvironment,
  namespace: string,
  cciNamespace = burstNamespace(env.emulator.scenario.clusterId),
): Promise<void> {
  await env.apps.deleteNamespacedDeployment({ name: 'burst', namespace }).catch(() => undefined);
  await waitFor('the ReplicaSet to be gone', async () => {
    const sets = await env.apps.listNamespacedReplicaSet({ namespace });
    return sets.items.length === 0;
  });
  await waitFor(
    'the burst pods to be gone',
    async () => {
      await env.core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
      return (await env.core.listNamespacedPod({ namespace, limit: 1 })).items.length === 0;
    },
    { timeoutMs: 300_000, intervalMs: 1000 },
  );
  const cci = env.controlPlane.cciKubeConfig().makeApiClient(CoreV1Api);
  await waitFor(
    'the burst pods in CCI to be gone',
    async () => {
      await cci.deleteCollectionNamespacedPod({ namespace: cciNamespace, gracePeriodSeconds: 0 });
      return (await cci.listNamespacedPod({ namespace: cciNamespace, limit: 1 })).items.length === 0;
    },
    { timeoutMs: 300_000, intervalMs: 1000 },
  );
  await env.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await waitFor(
    `namespace ${namespace} to be gone`,
    async () => {
      const left = await env.core.listNamespace({ fieldSelector: `metadata.name=${namespace}` });
      return left.items.length === 0;
    },
    { timeoutMs: 300_000, intervalMs: 1000 },
  );
}
