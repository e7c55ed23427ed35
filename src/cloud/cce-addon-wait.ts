// Following an add-on instance's status until it is ready, has failed, or is gone. Each poll is a
// call with CloudClient's own timeout; the wait as a whole has a deadline. A passing failure to
// reach CCE (unreachable, 429, 5xx) is asked again until the deadline, and named as its cause.
import type { AddonInstance, CceAddonApi } from './cce-addons.js';
import { ADDON_FAILED_STATUSES, ADDON_READY_STATUSES, addonStatusLine } from './cce-addons.js';
import { CloudApiError, CloudUnreachableError, isNotFound } from './http.js';

export interface AddonWaitOptions {
  timeoutMs: number;
  /** Between polls; 2 s unless given. */
  intervalMs?: number;
  /** Called with each answer (progress). */
  onStatus?: (instance: AddonInstance) => void;
  signal?: AbortSignal;
}

/** The instance reached a *Failed status: CCE's Reason and message are in the text. */
export class AddonFailedError extends Error {
  constructor(readonly instance: AddonInstance) {
    const status = instance.status;
    const why = [status?.Reason, status?.message].filter(Boolean).join(': ');
    super(
      `add-on ${instance.spec.addonTemplateName} ${instance.spec.version} is ${status?.status ?? 'failed'}${why ? `: ${why}` : ''}`,
    );
  }
}

export class AddonWaitTimeoutError extends Error {}

function transient(error: unknown): boolean {
  return (
    error instanceof CloudUnreachableError ||
    (error instanceof CloudApiError && (error.status === 429 || error.status >= 500))
  );
}

async function poll<T>(
  options: AddonWaitOptions,
  what: string,
  step: () => Promise<{ done: true; value: T } | { done: false; status?: string }>,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 2000;
  let last: string | undefined;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const result = await step();
      if (result.done) return result.value;
      last = result.status;
      lastError = undefined;
    } catch (error) {
      if (!transient(error)) throw error;
      lastError = error;
    }
    if (Date.now() + interval > deadline) {
      throw new AddonWaitTimeoutError(
        `${what}: not done after ${Math.round(options.timeoutMs / 1000)} s${last ? ` (status ${last})` : ''}`,
        { cause: lastError },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Until the instance is running or available (at `version`, when given: right after an update CCE
 * may still show the old version running), or fails with AddonFailedError on a *Failed status.
 */
export function waitForAddonReady(
  api: CceAddonApi,
  id: string,
  clusterId: string,
  options: AddonWaitOptions & { version?: string },
): Promise<AddonInstance> {
  return poll(options, `add-on instance ${id}`, async () => {
    const instance = await api.get(id, clusterId);
    options.onStatus?.(instance);
    const status = instance.status?.status ?? '';
    if (ADDON_FAILED_STATUSES.includes(status)) throw new AddonFailedError(instance);
    const current = instance.status?.currentVersion?.version ?? instance.spec.version;
    const atVersion = !options.version || current === options.version;
    if (ADDON_READY_STATUSES.includes(status) && atVersion) return { done: true, value: instance };
    // With CCE's reason, so that a wait that runs out on "abnormal" says why.
    return { done: false, status: addonStatusLine(instance) };
  });
}

/** Until GET answers 404; a deleteFailed status is an AddonFailedError. */
export function waitForAddonGone(
  api: CceAddonApi,
  id: string,
  clusterId: string,
  options: AddonWaitOptions,
): Promise<void> {
  return poll(options, `deleting add-on instance ${id}`, async () => {
    try {
      const instance = await api.get(id, clusterId);
      options.onStatus?.(instance);
      const status = instance.status?.status ?? '';
      if (status === 'deleteFailed') throw new AddonFailedError(instance);
      return { done: false, status };
    } catch (error) {
      if (isNotFound(error)) return { done: true, value: undefined };
      throw error;
    }
  });
}
