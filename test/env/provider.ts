// Starts the provider runtime in-process against the test environment, as `vkctl provider run`
// would with the installed config and identity (the node's client certificate), and collects its log lines (printed on VKCTL_DEBUG_PROVIDER).
// A runtime that asks the cluster for its kubelet serving certificate gets the approver beside it,
// as installed (`provider approver`, with the shipped approver rules), stopped with it.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type V1PodSpec } from '@kubernetes/client-node';
import { burstNamespace } from '../../src/cloud/cci.js';
import { PROVIDER_TAINT } from '../../src/provider/node.js';
import type { ProviderConfig } from '../../src/provider/config.js';
import type { LogFields, Logger } from '../../src/provider/logger.js';
import { runApprover } from '../../src/provider/approver.js';
import { runProvider, type ProviderOptions, type RunningProvider } from '../../src/provider/run.js';
import type { TestEnvironment } from './environment.js';
import { testApproverKubeConfig, testNodeKubeConfig } from './node-identity.js';

export function collectingLogger(lines: string[]): Logger {
  const write = (level: string) => (message: string, fields?: LogFields) => {
    const line = `${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`;
    lines.push(line);
    if (process.env.VKCTL_DEBUG_PROVIDER) console.error(line);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export function testProviderConfig(env: TestEnvironment, nodeName: string): ProviderConfig {
  const s = env.emulator.scenario;
  return {
    region: s.region,
    projectId: s.projectId,
    clusterId: s.clusterId,
    cciNamespace: burstNamespace(s.clusterId),
    subnetId: '',
    securityGroupId: '',
    nodeName,
    interconnect: false,
    endpoints: env.emulator.endpoints,
    capacity: { cpu: '2000', memory: '8000Gi', pods: '2000' },
  };
}

export async function startTestProvider(
  env: TestEnvironment,
  nodeName: string,
  logs: string[],
  extra: Partial<ProviderOptions> = {},
): Promise<RunningProvider> {
  const s = env.emulator.scenario;
  // As installed: the runtime is its node (a test may give another kubeconfig in `extra`).
  const kc = extra.kc ?? (await testNodeKubeConfig(env, nodeName));
  const address = extra.address ?? '127.0.0.1';
  const servingFromCluster = extra.kubelet !== undefined && !(extra.kubelet.cert && extra.kubelet.key);
  const approver = servingFromCluster
    ? await runApprover({
        kc: await testApproverKubeConfig(env),
        nodeName,
        podAddress: address,
        log: collectingLogger(logs),
      })
    : undefined;
  let running: RunningProvider;
  try {
    running = await runProvider({
      kc,
      config: testProviderConfig(env, nodeName),
      credentials: { accessKey: s.accessKey, secretKey: s.secretKey },
      address,
      kubeletPort: 10250,
      healthPort: 0,
      log: collectingLogger(logs),
      renewIntervalMs: 500,
      ...extra,
    });
  } catch (error) {
    await approver?.stop();
    throw error;
  }
  if (!approver) return running;
  // runProvider fills in the object it returned as it starts (ports, pods): it is kept, with a stop
  // that stops the approver too.
  const stopRuntime = running.stop.bind(running);
  running.stop = async () => {
    await stopRuntime();
    await approver.stop();
  };
  return running;
}

/**
 * In a describe block: a runtime for its own virtual node (`<prefix>-<random>`), started before its
 * tests and stopped, with its node removed, after them.
 */
export function useTestProvider(
  env: () => TestEnvironment,
  prefix: string,
  extra: () => Partial<ProviderOptions> = () => ({}),
): { nodeName: string; logs: string[]; provider: () => RunningProvider } {
  const nodeName = `${prefix}-${randomBytes(3).toString('hex')}`;
  const logs: string[] = [];
  let running: RunningProvider | undefined;
  before(async function () {
    this.timeout(60_000);
    running = await startTestProvider(env(), nodeName, logs, extra());
  });
  after(async () => {
    await running?.stop();
    await env()
      .core.deleteNode({ name: nodeName })
      .catch(() => undefined);
  });
  return {
    nodeName,
    logs,
    provider: () => {
      if (!running) throw new Error('the test runtime has not started');
      return running;
    },
  };
}

/** What the emulated CCI holds, read straight from its backing apiserver. */
export function cciBackend(env: TestEnvironment): CoreV1Api {
  return env.controlPlane.cciKubeConfig().makeApiClient(CoreV1Api);
}

export function cciNamespaceOf(env: TestEnvironment): string {
  return burstNamespace(env.emulator.scenario.clusterId);
}

/** A one-container pod spec (250m, 1 GiB: CCI's smallest) placed on the virtual node by hand. */
export function virtualNodePodSpec(
  nodeName: string,
  options: { command?: string[]; image?: string } = {},
): V1PodSpec {
  return {
    nodeSelector: { 'kubernetes.io/hostname': nodeName },
    tolerations: [{ key: PROVIDER_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }],
    restartPolicy: options.command ? 'Never' : 'Always',
    terminationGracePeriodSeconds: 5,
    containers: [
      {
        name: 'main',
        image: options.image ?? 'busybox:1.36',
        command: options.command,
        resources: { limits: { cpu: '250m', memory: '1Gi' } },
      },
    ],
  };
}
