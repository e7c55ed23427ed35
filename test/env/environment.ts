// The one test environment of a mocha run: the real control plane (with the CCI backend) and the
// Huawei Cloud emulator, started on first use and stopped by the root hook in hooks.ts. Integration
// tests get it with `const env = useTestEnvironment()` and isolate themselves by namespace.
import { randomBytes } from 'node:crypto';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import { DEFAULT_NODE_NAME } from '../../src/shared/names.js';
import type { CheckSettings } from '../../src/checks/context.js';
import { loadCloudConfig } from '../../src/cloud/config.js';
import { ControlPlane } from './control-plane.js';
import type { Scenario } from './emulator/state.js';
import { sdkRequest, type RawResponse } from './sdk-request.js';
import { HuaweiCloudEmulator } from './emulator/server.js';
import { FakeKubelet, type FakeNodeOptions } from './fake-kubelet.js';
import { waitFor } from './wait.js';

export class TestEnvironment {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  private readonly kubelets = new Set<FakeKubelet>();
  private nodeBlock = 0;

  private constructor(
    readonly controlPlane: ControlPlane,
    readonly emulator: HuaweiCloudEmulator,
  ) {
    this.kc = controlPlane.kubeConfig();
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.apps = this.kc.makeApiClient(AppsV1Api);
    this.batch = this.kc.makeApiClient(BatchV1Api);
    this.rbac = this.kc.makeApiClient(RbacAuthorizationV1Api);
  }

  static async start(): Promise<TestEnvironment> {
    const controlPlane = await ControlPlane.start({ withCciBackend: true });
    try {
      const emulator = await HuaweiCloudEmulator.start({ cciKubeConfig: controlPlane.cciKubeConfig() });
      return new TestEnvironment(controlPlane, emulator);
    } catch (error) {
      await controlPlane.stop();
      throw error;
    }
  }

  /** Registers fake worker nodes; they are removed again by the returned kubelet's stop(). */
  async addNodes(options: Omit<FakeNodeOptions, 'prefix'> & { prefix?: string }): Promise<FakeKubelet> {
    this.nodeBlock += 2;
    const prefix = options.prefix ?? `worker-${randomBytes(3).toString('hex')}`;
    const kubelet = new FakeKubelet(this.kc, { ...options, prefix }, 10 + this.nodeBlock);
    await kubelet.start();
    this.kubelets.add(kubelet);
    // New nodes carry node.kubernetes.io/not-ready until the node-lifecycle controller sees them
    // Ready, as on a real cluster; tests that count placements need them schedulable first.
    await waitFor('the new nodes to lose the not-ready taint', async () => {
      const nodes = await Promise.all(kubelet.nodeNames.map((name) => this.core.readNode({ name })));
      return nodes.every(
        (n) => !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready'),
      );
    });
    return kubelet;
  }

  async removeNodes(kubelet: FakeKubelet): Promise<void> {
    this.kubelets.delete(kubelet);
    await kubelet.stop();
  }

  /** A fresh namespace with a unique name. */
  async createNamespace(prefix = 'test'): Promise<string> {
    const name = `${prefix}-${randomBytes(4).toString('hex')}`;
    await this.core.createNamespace({ body: { metadata: { name } } });
    return name;
  }

  async stop(): Promise<void> {
    for (const kubelet of this.kubelets) await kubelet.stop(false);
    await this.emulator.stop();
    await this.controlPlane.stop();
  }
}

// Kept on globalThis, not in a module variable: mocha loads a spec through require() unless that
// fails (top-level await, for one), then through import(), and the two ways give two instances of
// this module. One environment per process, whichever instance asks.
const SHARED = Symbol.for('vkctl.test.sharedEnvironment');
const registry = globalThis as { [SHARED]?: Promise<TestEnvironment> };

export function sharedTestEnvironment(): Promise<TestEnvironment> {
  registry[SHARED] ??= TestEnvironment.start();
  return registry[SHARED];
}

export async function stopSharedTestEnvironment(): Promise<void> {
  const shared = registry[SHARED];
  if (!shared) return;
  delete registry[SHARED];
  const env = await shared.catch(() => undefined);
  await env?.stop();
}

export interface SettingsOverrides {
  namespace?: string;
  restricted?: boolean;
  iamEndpoint?: string;
  requestTimeoutMs?: number;
  nodeName?: string;
}

/** Doctor's (and install's preflight) settings pointing at this environment. */
export function doctorSettings(env: TestEnvironment, o: SettingsOverrides = {}): CheckSettings {
  const s = env.emulator.scenario;
  const e = env.emulator.endpoints;
  return {
    kube: {
      kubeconfig: o.restricted
        ? env.controlPlane.restrictedKubeconfigPath
        : env.controlPlane.cluster.adminKubeconfigPath,
    },
    cloud: loadCloudConfig(
      {
        region: s.region,
        clusterId: s.clusterId,
        accessKey: s.accessKey,
        secretKey: s.secretKey,
        endpoints: { ...e, iam: o.iamEndpoint ?? e.iam },
      },
      { VKCTL_CONFIG: '/dev/null' },
    ),
    namespace: o.namespace ?? 'kube-system',
    nodeName: o.nodeName ?? DEFAULT_NODE_NAME,
    requestTimeoutMs: o.requestTimeoutMs,
  };
}

/** The environment variables that point vkctl at this environment. */
export function vkctlEnvironment(env: TestEnvironment): Record<string, string> {
  const s = env.emulator.scenario;
  const e = env.emulator.endpoints;
  return {
    KUBECONFIG: env.controlPlane.cluster.adminKubeconfigPath,
    HUAWEICLOUD_SDK_AK: s.accessKey,
    HUAWEICLOUD_SDK_SK: s.secretKey,
    HUAWEICLOUD_SDK_REGION: s.region,
    VKCTL_CLUSTER_ID: s.clusterId,
    VKCTL_IAM_ENDPOINT: e.iam,
    VKCTL_CCE_ENDPOINT: e.cce,
    VKCTL_VPC_ENDPOINT: e.vpc,
    VKCTL_CCI_ENDPOINT: e.cci,
    // Never read a developer's own config file while pointed at the emulator.
    VKCTL_CONFIG: '/dev/null',
  };
}

/** In a describe block: starts (or reuses) the environment before its tests; returns an accessor. */
export function useTestEnvironment(): () => TestEnvironment {
  let env: TestEnvironment | undefined;
  before(async function () {
    this.timeout(600_000);
    env = await sharedTestEnvironment();
  });
  return () => {
    if (!env) throw new Error('test environment not started (use it inside a test or hook)');
    return env;
  };
}

/**
 * In a describe block: the emulated CCI serves an API its documentation does not show (attach, the
 * metrics API) for these tests only; the environment is shared, so it is put back after them.
 */
export function useUndocumentedCciApi(env: () => TestEnvironment, api: 'attach' | 'metrics'): void {
  let served = false;
  before(() => {
    served = env().emulator.state.cciUndocumented[api];
    env().emulator.state.cciUndocumented[api] = true;
  });
  after(() => {
    env().emulator.state.cciUndocumented[api] = served;
  });
}

/**
 * A signed call to the emulated CCI as an account of the emulator's (the default scenario's, or one
 * a test made with defaultScenario), as vkctl's own client would make it.
 */
export function cciAs(
  env: TestEnvironment,
  who: Pick<Scenario, 'accessKey' | 'secretKey' | 'projectId'>,
  method: string,
  path: string,
  body?: unknown,
  query?: Record<string, string>,
): Promise<RawResponse> {
  return sdkRequest(
    { method, endpoint: env.emulator.endpoints.cci, path, body, query },
    who.accessKey,
    who.secretKey,
    who.projectId,
  );
}
