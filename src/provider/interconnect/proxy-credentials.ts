// The proxy sidecars' way into the cluster: a kubeconfig Secret in the CCI namespace holding a
// token of the vkctl-proxy ServiceAccount (which may only read Services and EndpointSlices), the
// cluster's CA, and the apiserver's own address from the `kubernetes` Endpoints (its ClusterIP is
// not routable from CCI; in VPC network mode its VPC address is). The token is short-lived (24 h)
// and the Secret is rewritten with a new one after 80% of its life; the kubelet-like projection of
// Secrets into running CCI pods carries it to the sidecars. Installed, the runtime is a node, which
// may not request tokens (NodeRestriction allows only pod-bound ones, for the pod's own account):
// the approver container beside it writes a vkctl-proxy token to a shared volume and renews it
// (proxy-token-writer.ts), and the runtime hands each new one on (`tokenFile`); until the first is
// there, it waits. Without a file it requests one itself (TokenRequest).
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { CciBackend } from '../cci-backend.js';
import { errorText, type Logger } from '../logger.js';
import { PROXY_KUBECONFIG_SECRET, PROXY_SERVICE_ACCOUNT } from '../../shared/interconnect-names.js';
import { isNotFound } from '../../kube/errors.js';

export { PROXY_SERVICE_ACCOUNT };
const TOKEN_SECONDS = 24 * 3600;
const RETRY_MS = 30_000;
const FILE_CHECK_MS = 60_000;
/** How often to look for a token file that is not there yet, and to say so. */
const FILE_WAIT_MS = 500;
const FILE_WAIT_LOG_MS = 30_000;

/** A JWT's `exp` in ms, or undefined when it has none. */
function tokenExpiry(token: string): number | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: number;
    };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export class ProxyCredentials {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The token the Secret holds, so an unchanged file is not written again. */
  private written: string | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly cci: CciBackend,
    private readonly cciNamespace: string,
    /** Where the vkctl-proxy ServiceAccount lives (the add-on's namespace). */
    private readonly addonNamespace: string,
    private readonly log: Logger,
    private readonly options: { tokenFile?: string } = {},
  ) {}

  /** Writes the Secret now, then keeps its token fresh until stop(). */
  async start(): Promise<void> {
    if (this.options.tokenFile) await this.waitForTokenFile(this.options.tokenFile);
    if (this.stopped) return;
    const expires = await this.write();
    this.schedule(this.nextCheck(expires));
  }

  /** A projected file is looked at every minute (the kubelet renews it on its own schedule). */
  private nextCheck(expires: number): number {
    if (this.options.tokenFile) return FILE_CHECK_MS;
    return Math.max(RETRY_MS, (expires - Date.now()) * 0.8);
  }

  /** The approver container writes the file; it may start after the runtime, or be slow to. */
  private async waitForTokenFile(file: string): Promise<void> {
    let said = 0;
    while (!this.stopped && !existsSync(file)) {
      if (Date.now() - said >= FILE_WAIT_LOG_MS) {
        this.log.warn('waiting for the vkctl-proxy token file (written by the approver container)', { file });
        said = Date.now();
      }
      await sleep(FILE_WAIT_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.write().then(
        (expires) => this.schedule(this.nextCheck(expires)),
        (error: unknown) => {
          this.log.warn('proxy token refresh failed; retrying', { error: errorText(error) });
          this.schedule(RETRY_MS);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  /** The apiserver as CCI pods reach it: an address of the `kubernetes` Endpoints. */
  private async server(core: CoreV1Api): Promise<string> {
    // Missing where the apiserver publishes no address (one advertising loopback, as in tests).
    const endpoints = await core
      .readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' })
      .catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
    const subset = endpoints?.subsets?.[0];
    const ip = subset?.addresses?.[0]?.ip;
    const port = subset?.ports?.find((p) => p.name === 'https')?.port ?? subset?.ports?.[0]?.port;
    if (ip && port) return `https://${ip}:${port}`;
    const own = this.kc.getCurrentCluster()?.server ?? '';
    this.log.warn('the kubernetes Endpoints name no apiserver address; the sidecars get the runtime’s own', {
      server: own,
      hint: 'in a cluster, that is the kubernetes ClusterIP, which CCI pods cannot reach',
    });
    return own;
  }

  private clusterCa(): string {
    const cluster = this.kc.getCurrentCluster();
    if (cluster?.caData) return cluster.caData;
    if (cluster?.caFile) return readFileSync(cluster.caFile).toString('base64');
    throw new Error('the cluster CA is not known (no certificate-authority in the kubeconfig)');
  }

  /** The token, from the projected file or a TokenRequest, and when it expires (ms). */
  private async token(core: CoreV1Api): Promise<{ token: string; expires: number }> {
    if (this.options.tokenFile) {
      const token = readFileSync(this.options.tokenFile, 'utf8').trim();
      if (!token) throw new Error(`${this.options.tokenFile} is empty`);
      return { token, expires: tokenExpiry(token) ?? Date.now() + TOKEN_SECONDS * 1000 };
    }
    const request = await core.createNamespacedServiceAccountToken({
      name: PROXY_SERVICE_ACCOUNT,
      namespace: this.addonNamespace,
      body: { spec: { audiences: [], expirationSeconds: TOKEN_SECONDS } },
    });
    const token = request.status?.token;
    if (!token) throw new Error(`the TokenRequest for ${PROXY_SERVICE_ACCOUNT} returned no token`);
    const expires = request.status?.expirationTimestamp;
    return { token, expires: expires ? new Date(expires).getTime() : Date.now() + TOKEN_SECONDS * 1000 };
  }

  /** Writes the Secret with the current token (unless it already holds it); resolves with its expiry (ms). */
  private async write(): Promise<number> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const { token, expires } = await this.token(core);
    if (token === this.written) return expires;
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'cluster',
          cluster: { server: await this.server(core), 'certificate-authority-data': this.clusterCa() },
        },
      ],
      users: [{ name: PROXY_SERVICE_ACCOUNT, user: { token } }],
      contexts: [{ name: 'proxy', context: { cluster: 'cluster', user: PROXY_SERVICE_ACCOUNT } }],
      'current-context': 'proxy',
    };
    const secret: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: PROXY_KUBECONFIG_SECRET,
        namespace: this.cciNamespace,
        labels: { 'app.kubernetes.io/managed-by': 'vkctl', 'app.kubernetes.io/component': 'interconnect' },
      },
      type: 'Opaque',
      data: { kubeconfig: Buffer.from(stringify(kubeconfig)).toString('base64') },
    };
    await this.cci.put(this.cciNamespace, 'secrets', secret);
    this.written = token;
    return expires;
  }
}
