// The vkctl-proxy token for the interconnect sidecars, written to a file the runtime reads
// (`provider run --proxy-token-file`, proxy-credentials.ts). The runtime is a node, and a node may
// request no token (NodeRestriction allows only tokens bound to its own pods, for their own
// accounts); the approver container beside it runs as vkctl-provider, whose Role
// (80-interconnect.yaml) lets it request tokens of vkctl-proxy and nothing else. The token is not
// bound to the pod, so a rollout does not cut off the sidecars holding it: it lives its 24 h and
// is renewed after 80% of that. The file is on an emptyDir both containers mount (read-only in the
// runtime's) and is replaced by a rename, so a reader never sees half a token.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { errorText, type Logger } from '../logger.js';
import { PROXY_SERVICE_ACCOUNT } from './proxy-credentials.js';

const TOKEN_SECONDS = 24 * 3600;
const RENEW_AT = 0.8;
const RETRY_MS = 30_000;

export interface ProxyTokenWriterOptions {
  /** Where the token goes (on the volume the runtime reads it from). */
  file: string;
  /** The add-on's namespace, where the vkctl-proxy ServiceAccount is. */
  namespace: string;
  log: Logger;
  retryMs?: number;
}

export class ProxyTokenWriter {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly options: ProxyTokenWriterOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Writes a token now (or schedules a retry, logged, when that fails), then keeps it fresh. */
  async start(): Promise<void> {
    await this.renew();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), delayMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    try {
      const expires = await this.write();
      this.schedule(Math.max(RETRY_MS, (expires - Date.now()) * RENEW_AT));
    } catch (error) {
      this.options.log.warn('could not write the vkctl-proxy token; retrying', {
        file: this.options.file,
        error: errorText(error),
      });
      this.schedule(this.options.retryMs ?? RETRY_MS);
    }
  }

  /** Requests a token and puts it in place; resolves with its expiry (ms). */
  private async write(): Promise<number> {
    const request = await this.core.createNamespacedServiceAccountToken({
      name: PROXY_SERVICE_ACCOUNT,
      namespace: this.options.namespace,
      body: { spec: { audiences: [], expirationSeconds: TOKEN_SECONDS } },
    });
    const token = request.status?.token;
    if (!token) throw new Error(`the TokenRequest for ${PROXY_SERVICE_ACCOUNT} returned no token`);
    const { file } = this.options;
    const temporary = path.join(
      path.dirname(file),
      `.${path.basename(file)}.${randomBytes(4).toString('hex')}`,
    );
    try {
      // Both containers run as the same user: only it reads the token.
      writeFileSync(temporary, token, { mode: 0o600 });
      renameSync(temporary, file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    const expires = request.status?.expirationTimestamp;
    this.options.log.info('wrote a vkctl-proxy token', { file, expires });
    return expires ? new Date(expires).getTime() : Date.now() + TOKEN_SECONDS * 1000;
  }
}
