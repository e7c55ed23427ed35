// kubectl top on a pod running in CCI, the way a cluster gets it: metrics-server (the real one,
// built from its Go module) scrapes the virtual node's /metrics/resource, verifying its serving
// certificate against the cluster CA, and the apiserver serves metrics.k8s.io from it. CCI does not
// document a metrics API, so first without one (the emulator's default: 404), then with one.
import assert from 'node:assert/strict';
import type { Summary } from '../../src/provider/kubelet/stats.js';
import { useTestEnvironment, useUndocumentedCciApi } from '../env/environment.js';
import { kubeletCall } from '../env/kubelet-call.js';
import { kubectl } from '../env/kubectl.js';
import { startMetricsServer, type RunningMetricsServer } from '../env/metrics-server.js';
import { useTestProvider, virtualNodePodSpec } from '../env/provider.js';
import { waitFor } from '../env/wait.js';

describe('vkctl provider run: kubectl top through metrics-server', function () {
  this.timeout(180_000);
  const env = useTestEnvironment();
  const { nodeName, provider, logs } = useTestProvider(env, 'vk-top', () => ({
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

  const runningPod = async (prefix: string, name: string) => {
    const ns = await env().createNamespace(prefix);
    await env().core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name }, spec: virtualNodePodSpec(nodeName) },
    });
    await waitFor('the pod to run', async () => {
      const pod = await env().core.readNamespacedPod({ name, namespace: ns });
      return pod.status?.phase === 'Running';
    });
    return ns;
  };
  const warnings = () => logs.filter((l) => l.startsWith('warn CCI serves no metrics API'));
  const top = (ns: string) =>
    kubectl(env().controlPlane.cluster.adminKubeconfigPath, ['top', 'pod', '-n', ns, '--no-headers']);

  describe('where CCI serves no metrics API, as its docs show', () => {
    /** The kubelet port as metrics-server calls it (its certificate is checked in provider-kubelet.test.ts). */
    const kubeletGet = (path: string) =>
      kubeletCall(provider().kubeletPort ?? 0, path, { token: env().controlPlane.cluster.adminToken });

    it('still answers /stats/summary and /metrics/resource, without usage, warns once, and kubectl top has no figures', async () => {
      assert.equal(env().emulator.state.cciUndocumented.metrics, false, 'the emulator’s default');
      const ns = await runningPod('top-none', 'idle');
      const ranAt = Date.now();

      const parsed = await waitFor('the Summary to list the pod’s running container', async () => {
        const summary = await kubeletGet('/stats/summary');
        assert.equal(summary.status, 200, summary.body);
        const listed = JSON.parse(summary.body) as Summary;
        const idle = listed.pods.find((p) => p.podRef.namespace === ns);
        return idle?.containers.length ? listed : undefined;
      });
      assert.equal(parsed.node.nodeName, nodeName);
      assert.equal(parsed.node.cpu, undefined);
      const pod = parsed.pods.find((p) => p.podRef.namespace === ns);
      assert.equal(pod?.podRef.name, 'idle', 'the pod is listed');
      assert.deepEqual(
        pod?.containers.map((c) => [c.name, c.cpu, c.memory]),
        [['main', undefined, undefined]],
        'its running container, without usage',
      );
      for (let scrape = 0; scrape < 3; scrape++) {
        const metrics = await kubeletGet('/metrics/resource');
        assert.equal(metrics.status, 200, metrics.body);
        assert.match(
          metrics.body,
          new RegExp(
            `^container_start_time_seconds\\{container="main",namespace="${ns}",pod="idle"\\} `,
            'm',
          ),
        );
        assert.doesNotMatch(
          metrics.body,
          /^(container|pod|node)_(cpu_usage_seconds_total|memory_working_set_bytes)[{ ]/m,
        );
        assert.match(metrics.body, /^resource_scrape_error 1$/m);
      }
      assert.equal(warnings().length, 1, logs.join('\n'));
      assert.match(warnings()[0] ?? '', /CCI serves no metrics API.*kubectl top/);

      // metrics-server needs two scrapes (10 s apart) for a figure: past that, there still is none.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, ranAt + 25_000 - Date.now())));
      const none = await top(ns);
      assert.notEqual(none.code, 0, none.stdout);
      assert.match(none.stderr, /metrics not available/i);
      assert.equal(warnings().length, 1, 'metrics-server’s scrapes added no warning');
    });
  });

  describe('where CCI serves a metrics API', () => {
    useUndocumentedCciApi(env, 'metrics');

    it('shows the CCI pod’s CPU and memory', async () => {
      const ns = await runningPod('top', 'busy');
      // metrics-server needs two scrapes (10 s apart) to know a CPU rate.
      const shown = await waitFor(
        'kubectl top to list the pod',
        async () => {
          const r = await top(ns);
          return r.code === 0 && /^busy\s/m.test(r.stdout) ? r.stdout : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 2000 },
      );
      // The emulator's container uses 5% of its 250m CPU limit (12.5m) and 10% of its 1Gi memory.
      const [, cpu, memory] = /^busy\s+(\d+)m\s+(\d+)Mi\s*$/m.exec(shown) ?? [];
      assert.ok(Math.abs(Number(cpu) - 12.5) <= 1, `CPU about 12.5m: ${shown}`);
      assert.equal(Number(memory), 102, `memory 102Mi: ${shown}`);
      // After the spell without (when the test above ran first), the runtime says usage is back.
      if (warnings().length > 0)
        assert.ok(
          logs.some((l) => l.startsWith('info CCI serves a metrics API now')),
          logs.join('\n'),
        );
    });
  });
});
