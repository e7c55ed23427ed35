// metrics-server (built from its Go module with the control plane) as a cluster runs it: an
// aggregated API (v1beta1.metrics.k8s.io) that scrapes every node's kubelet API at
// /metrics/resource, so `kubectl top` works. It runs on this machine; its Service's endpoint is
// the machine's address, where the apiserver's aggregator routing calls it. Its kubelet scrapes
// authenticate with the admin token and verify the kubelets' certificates against the cluster CA.
// Registered only for the tests that use it, and removed after them: a registered but absent
// aggregated API would break discovery for everyone else.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiregistrationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { issueCertificate } from '../../src/kube/pki.js';
import { probeHttps } from './client-access.js';
import type { TestEnvironment } from './environment.js';
import { machineAddress } from './fake-kubelet.js';
import { freePort, ManagedProcess } from './processes.js';

const NAME = 'vkctl-test-metrics-server';
const NAMESPACE = 'kube-system';
const API_SERVICE = 'v1beta1.metrics.k8s.io';

export interface RunningMetricsServer {
  stop(): Promise<void>;
}

export async function startMetricsServer(env: TestEnvironment): Promise<RunningMetricsServer> {
  const plane = env.controlPlane;
  const dir = path.join(plane.dir, 'metrics-server');
  mkdirSync(dir, { recursive: true });
  const address = machineAddress();
  const port = await freePort();
  const serving = issueCertificate(plane.ca, {
    commonName: NAME,
    dnsNames: [`${NAME}.${NAMESPACE}.svc`],
    ipAddresses: [address],
    usage: 'server',
  });
  const file = (name: string, content: string) => {
    writeFileSync(path.join(dir, name), content, { mode: 0o600 });
    return path.join(dir, name);
  };
  const kubeconfig = plane.cluster.adminKubeconfigPath;
  const process = ManagedProcess.spawn(
    'metrics-server',
    path.join(plane.binDir, 'metrics-server'),
    [
      `--secure-port=${port}`,
      `--bind-address=${address}`,
      `--tls-cert-file=${file('tls.crt', serving.certPem)}`,
      `--tls-private-key-file=${file('tls.key', serving.keyPem)}`,
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      `--kubelet-certificate-authority=${file('cluster-ca.crt', plane.ca.certPem)}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--kubelet-use-node-status-port',
      // Its shortest resolution; scrapes must time out sooner than that.
      '--metric-resolution=10s',
      '--kubelet-request-timeout=5s',
    ],
    path.join(dir, 'metrics-server.log'),
  );
  await process.waitUntil(
    () => probeHttps(`https://${address}:${port}/livez`, plane.ca.certPem, plane.cluster.adminToken),
    60_000,
    'live',
  );
  const core = env.kc.makeApiClient(CoreV1Api);
  const registration = env.kc.makeApiClient(ApiregistrationV1Api);
  const unregister = async () => {
    await registration.deleteAPIService({ name: API_SERVICE }).catch(() => undefined);
    await core.deleteNamespacedService({ name: NAME, namespace: NAMESPACE }).catch(() => undefined);
    await core.deleteNamespacedEndpoints({ name: NAME, namespace: NAMESPACE }).catch(() => undefined);
  };
  try {
    await core.createNamespacedService({
      namespace: NAMESPACE,
      body: { metadata: { name: NAME }, spec: { ports: [{ name: 'https', port: 443, targetPort: port }] } },
    });
    await core.createNamespacedEndpoints({
      namespace: NAMESPACE,
      body: {
        metadata: { name: NAME },
        subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'https', port }] }],
      },
    });
    await registration.createAPIService({
      body: {
        metadata: { name: API_SERVICE },
        spec: {
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          service: { name: NAME, namespace: NAMESPACE, port: 443 },
          caBundle: Buffer.from(plane.ca.certPem).toString('base64'),
          groupPriorityMinimum: 100,
          versionPriority: 100,
        },
      },
    });
  } catch (error) {
    await unregister();
    await process.stop();
    throw error;
  }
  return {
    stop: async () => {
      await unregister();
      await process.stop();
    },
  };
}
