// The emulated CCI's Networks as they live on: CCI computes and stores them (cci-network-rules.ts),
// this moves each through its states and keeps a cache of them for pod creation and pod IPs.
import {
  PatchStrategy,
  setHeaderOptions,
  type CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { startInformer, type RunningInformer } from '../../../src/kube/informer.js';

export const NETWORK_GROUP = 'networking.cci.io';
export const NETWORK_VERSION = 'v1beta1';

export interface CciNetwork extends KubernetesObject {
  spec?: {
    cidr?: string;
    attachedVPC?: string;
    networkID?: string;
    subnetID?: string;
    networkType?: string;
    availableZone?: string;
  };
  status?: { state?: string; message?: string };
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The `offset`-th address of `cidr` (a pod's IP in its namespace's Network). */
export function addressInCidr(cidr: string, offset: number): string {
  const [base = '0.0.0.0'] = cidr.split('/');
  const n = base.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0) + offset;
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export class CciNetworks {
  private informer: RunningInformer<CciNetwork> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly custom: CustomObjectsApi,
    /** Runs a step later, retried with backoff when it fails (the runtime's scheduler). */
    private readonly later: (ms: number, fn: () => Promise<void>) => void,
    private readonly delayMs: number,
  ) {}

  async start(): Promise<void> {
    this.informer = startInformer<CciNetwork>(
      this.kc,
      `/apis/${NETWORK_GROUP}/${NETWORK_VERSION}/networks`,
      () =>
        this.custom.listClusterCustomObject({
          group: NETWORK_GROUP,
          version: NETWORK_VERSION,
          plural: 'networks',
        }) as Promise<{ items: CciNetwork[]; metadata?: { resourceVersion?: string } }>,
      { add: (n) => this.advance(n), update: (n) => this.advance(n) },
    );
    await this.informer.synced;
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }

  /**
   * A Network goes Initializing -> Pending -> Active (the states TF's cci_network waits through);
   * deleted, it shows Terminating for a moment before it goes (TF waits on that too), which is why
   * the emulator gives every Network a finalizer (cci-network-rules.ts).
   */
  private advance(network: CciNetwork): void {
    const { name, namespace } = network.metadata ?? {};
    if (!name || !namespace) return;
    const state = network.status?.state;
    const setState = (next: string) =>
      this.custom.patchNamespacedCustomObjectStatus(
        {
          group: NETWORK_GROUP,
          version: NETWORK_VERSION,
          plural: 'networks',
          namespace,
          name,
          body: { status: { state: next, message: '' } },
        },
        mergePatch,
      );
    const delay = this.delayMs;
    if (network.metadata?.deletionTimestamp) {
      if (state === 'Terminating') {
        this.later(delay, async () => {
          await this.custom.patchNamespacedCustomObject(
            {
              group: NETWORK_GROUP,
              version: NETWORK_VERSION,
              plural: 'networks',
              namespace,
              name,
              body: { metadata: { finalizers: null } },
            },
            mergePatch,
          );
        });
      } else {
        this.later(0, () => setState('Terminating').then(() => undefined));
      }
      return;
    }
    const next = state === 'Initializing' ? 'Pending' : state === 'Pending' ? 'Active' : undefined;
    if (next) this.later(delay, () => setState(next).then(() => undefined));
  }

  /** Whether the namespace has an Active Network, as far as the cache knows. */
  hasActive(namespace: string): boolean {
    return (this.informer?.list(namespace) ?? []).some((n) => n.status?.state === 'Active');
  }

  /** The CIDR of the namespace's Active Network (CCI computed it from the subnet), if any. */
  cidr(namespace: string): string | undefined {
    return this.informer?.list(namespace).find((n) => n.status?.state === 'Active')?.spec?.cidr;
  }
}
