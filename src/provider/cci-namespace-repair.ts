// The burst namespace and its Network are made when the runtime starts (cci-setup.ts). Deleted
// under a running runtime (by hand, or by an uninstall racing a new install), every create would
// fail until a restart: CCI answers 404 for a namespace that is not there and 409 for one without
// an Active Network. This notices those answers and makes both again, one repair at a time and at
// most one every REPAIR_INTERVAL_MS; the pods meanwhile retry with their usual backoff.
import { CloudApiError } from '../cloud/http.js';
import { errorText, type Logger } from './logger.js';

const REPAIR_INTERVAL_MS = 10_000;

export class NamespaceRepair {
  private running: Promise<void> | undefined;
  private lastStarted = 0;

  constructor(
    /** Makes the namespace and an Active Network (prepareCci); absent, nothing is repaired. */
    private readonly repair: (() => Promise<unknown>) | undefined,
    private readonly namespace: string,
    private readonly log: Logger,
  ) {}

  /** Looks at a failed write into the namespace; starts a repair when it says the namespace is not ready. */
  notice(error: unknown): void {
    if (!this.repair || this.running || !(error instanceof CloudApiError)) return;
    const missing = error.status === 404 || (error.status === 409 && error.code !== 'AlreadyExists');
    if (!missing || Date.now() - this.lastStarted < REPAIR_INTERVAL_MS) return;
    this.lastStarted = Date.now();
    this.log.warn('the CCI namespace or its Network is gone; making them again', {
      namespace: this.namespace,
      error: error.message,
    });
    const repair = this.repair;
    this.running = repair()
      .then(() => this.log.info('the CCI namespace and its Network are back', { namespace: this.namespace }))
      .catch((failure: unknown) =>
        this.log.warn('making the CCI namespace again failed; trying on the next failure', {
          namespace: this.namespace,
          error: errorText(failure),
        }),
      )
      .finally(() => (this.running = undefined));
  }

  /** Resolves when no repair runs (tests, shutdown). */
  async idle(): Promise<void> {
    await this.running;
  }
}
