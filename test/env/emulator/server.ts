// The Huawei Cloud emulator: IAM, CCE, VPC and CCI, each on its own loopback endpoint as the real
// services are, sharing one account state and one set of fault knobs. vkctl reaches it only through
// its configurable endpoints. CCI is backed by a real kube-apiserver (the control plane's second one).
import {
  ApiextensionsV1Api,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { CciApi } from './cci.js';
import { CciRuntime, NETWORK_GROUP, NETWORK_VERSION, type CciRuntimeOptions } from './cci-runtime.js';
import { cceRoutes } from './cce.js';
import { FaultInjector, type ServiceName } from './faults.js';
import { iamRoutes } from './iam.js';
import { EmulatedService } from './service.js';
import { defaultScenario, EmulatorState, type Scenario } from './state.js';
import { vpcRoutes } from './vpc.js';

export interface EmulatorOptions {
  /** Admin access to the kube-apiserver that stores CCI's objects. */
  cciKubeConfig: KubeConfig;
  runtime?: CciRuntimeOptions;
}

const NETWORK_CRD: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `networks.${NETWORK_GROUP}` },
  spec: {
    group: NETWORK_GROUP,
    scope: 'Namespaced',
    names: { plural: 'networks', singular: 'network', kind: 'Network', listKind: 'NetworkList' },
    versions: [
      {
        name: NETWORK_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
      },
    ],
  },
};

/** CCI's Network type lives in the backend as a CRD; wait until the apiserver serves it. */
async function installNetworkType(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await api.createCustomResourceDefinition({ body: NETWORK_CRD }).catch((e: unknown) => {
    if ((e as { code?: number }).code !== 409) throw e;
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const crd = await api.readCustomResourceDefinition({ name: NETWORK_CRD.metadata?.name ?? '' });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error('CCI Network CRD not established after 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export class HuaweiCloudEmulator {
  private constructor(
    readonly state: EmulatorState,
    readonly scenario: Scenario,
    readonly faults: FaultInjector,
    readonly runtime: CciRuntime,
    private readonly services: Record<ServiceName, EmulatedService>,
  ) {}

  static async start(options: EmulatorOptions): Promise<HuaweiCloudEmulator> {
    const state = new EmulatorState();
    const scenario = defaultScenario(state);
    const faults = new FaultInjector();
    await installNetworkType(options.cciKubeConfig);
    const runtime = new CciRuntime(options.cciKubeConfig, options.runtime);
    await runtime.start();
    const cci = new CciApi(state, options.cciKubeConfig, runtime);
    const started: EmulatedService[] = [];
    try {
      const start = async (...args: Parameters<typeof EmulatedService.start>) => {
        const service = await EmulatedService.start(...args);
        started.push(service);
        return service;
      };
      const services = {
        iam: await start('iam', state, faults, iamRoutes),
        cce: await start('cce', state, faults, cceRoutes),
        vpc: await start('vpc', state, faults, vpcRoutes),
        cci: await start(
          'cci',
          state,
          faults,
          cci.routes(),
          (ctx) => cci.fallback(ctx),
          (req, socket, head) => cci.upgrade(req, socket, head),
        ),
      };
      return new HuaweiCloudEmulator(state, scenario, faults, runtime, services);
    } catch (error) {
      for (const s of started) await s.stop();
      await runtime.stop();
      throw error;
    }
  }

  /** Base URLs, e.g. endpoints.cce = http://127.0.0.1:PORT, to configure vkctl with. */
  get endpoints(): Record<ServiceName, string> {
    return {
      iam: this.services.iam.url,
      cce: this.services.cce.url,
      vpc: this.services.vpc.url,
      cci: this.services.cci.url,
    };
  }

  async stop(): Promise<void> {
    for (const service of Object.values(this.services)) await service.stop();
    await this.runtime.stop();
  }
}
