// kubectl top on a pod running in CCI, the way a cluster gets it: metrics-server (the real one,
// built from its Go module) scrapes the virtual node's /metrics/resource, verifying its serving
// certificate against the cluster CA, and the apiserver serves metrics.k8s.io from it.
import assert from 'node:assert/strict';
import { useTestEnvironment } from '../env/environment.js';
import { kubectl } from '../env/kubectl.js';
import { startMetricsServer, type RunningMetricsServer } from '../env/metrics-server.js';
import { useTestProvider, virtualNodePodSpec } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

describe('vkctl provider run: kubectl top through metrics-server', function () {
  this.timeout(180_000);
  const env = useTestEnvironment();
  const { nodeName } = useTestProvider(env, 'vk-top', () => ({
    kubeletPort: 0,
    kubelet: { clientCa: env().controlPlane.ca.certPem, host: '127.0.0.1' },
  }));
  let metricsServer: RunningMetricsServer | undefined;
  before(async () => {
    metricsServer = await startMetricsServer(env());
  });
  after(async () => {
    await metricsServer?.stop();
  });

  it('shows the CCI pod’s CPU and memory', async () => {
    const ns = await env().createNamespace('top');
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'busy' }, spec: virtualNodePodSpec(nodeName) },
    });
    // metrics-server needs two scrapes (10 s apart) to know a CPU rate.
    const top = await waitFor(
      'kubectl top to list the pod',
      async () => {
        const r = await kubectl(env().controlPlane.cluster.adminKubeconfigPath, [
          'top',
          'pod',
          '-n',
          ns,
          '--no-headers',
        ]);
        return r.code === 0 && /^busy\s/m.test(r.stdout) ? r.stdout : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 2000 },
    );
    // The emulator's container uses 5% of its 250m CPU limit (12.5m) and 10% of its 1Gi memory.
    const [, cpu, memory] = /^busy\s+(\d+)m\s+(\d+)Mi\s*$/m.exec(top) ?? [];
    assert.ok(Math.abs(Number(cpu) - 12.5) <= 1, `CPU about 12.5m: ${top}`);
    assert.equal(Number(memory), 102, `memory 102Mi: ${top}`);
  });
});
