// The CCI emulator in a process of its own (emulator-process.ts) for the side-by-side bench's runs
// through the emulator, so that its CPU time is read apart from the runtime's and the bench's. It
// serves against the same CCI apiserver as the test environment's in-process emulator, whose pod
// runtime is stopped first: two runtimes over one backend would both start every pod. The
// in-process emulator cannot start pods after that, so this belongs at the end of a bench run.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProviderConfig } from '../src/provider/config.js';
import { burstNamespace } from '../src/cloud/cci.js';
import type { Scenario } from '../test/env/emulator/state.js';
import { vkctlEnvironment, type TestEnvironment } from '../test/env/environment.js';
import { ManagedProcess, removeOnExit } from '../test/env/processes.js';
import { benchBundle } from './bundle.js';

export interface SeparateEmulator {
  pid: number;
  scenario: Scenario;
  endpoints: ProviderConfig['endpoints'];
  /** The CCI namespace a runtime configured with providerConfig keeps its pods in. */
  cciNamespace: string;
  /** The test config's cloud fields pointed at this emulator instead of the in-process one. */
  providerConfig(config: ProviderConfig): ProviderConfig;
  /** vkctlEnvironment(env) pointed at this emulator. */
  environment(env: TestEnvironment): Record<string, string>;
  stop(): Promise<void>;
}

/** BENCH_EMULATOR_NODE_ARGS: Node options for the emulator, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p". */
const emulatorNodeArgs = () => (process.env.BENCH_EMULATOR_NODE_ARGS ?? '').split(' ').filter(Boolean);

export async function startSeparateEmulator(env: TestEnvironment): Promise<SeparateEmulator> {
  const kubeconfig = env.controlPlane.cci?.adminKubeconfigPath;
  if (!kubeconfig) throw new Error('the test environment has no CCI apiserver');
  await env.emulator.runtime.stop();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-bench-emulator-'));
  removeOnExit(dir);
  const child = ManagedProcess.spawn(
    'CCI emulator',
    process.execPath,
    [...emulatorNodeArgs(), await benchBundle('emulator-process'), kubeconfig],
    path.join(dir, 'emulator.log'),
  );
  let out = '';
  child.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await child.waitUntil(() => Promise.resolve(out.includes('\n')), 60_000, 'serving');
  const { scenario, endpoints } = JSON.parse(out.split('\n')[0] ?? '') as Pick<
    SeparateEmulator,
    'scenario' | 'endpoints'
  >;
  const cciNamespace = burstNamespace(scenario.clusterId);
  return {
    pid: child.pid ?? 0,
    scenario,
    endpoints,
    cciNamespace,
    providerConfig: (config) => ({
      ...config,
      region: scenario.region,
      projectId: scenario.projectId,
      clusterId: scenario.clusterId,
      cciNamespace,
      endpoints,
    }),
    environment: (testEnv) => ({
      ...vkctlEnvironment(testEnv),
      HUAWEICLOUD_SDK_AK: scenario.accessKey,
      HUAWEICLOUD_SDK_SK: scenario.secretKey,
      HUAWEICLOUD_SDK_REGION: scenario.region,
      VKCTL_CLUSTER_ID: scenario.clusterId,
      VKCTL_IAM_ENDPOINT: endpoints.iam ?? '',
      VKCTL_CCE_ENDPOINT: endpoints.cce ?? '',
      VKCTL_VPC_ENDPOINT: endpoints.vpc ?? '',
      VKCTL_CCI_ENDPOINT: endpoints.cci ?? '',
    }),
    stop: () => child.stop(),
  };
}
