// Runs a table of checks: each as soon as the checks it needs have passed, independent ones in
// parallel, each bounded by its timeout so that an unreachable service fails instead of hanging.
// Results come back in table order.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, firstLine, VkctlError } from '../errors.js';
import { CheckSkip, DEFAULT_CHECK_TIMEOUT_MS, type Check, type CheckResult } from './check.js';
import type { CheckContext } from './context.js';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runOne(check: Check, ctx: CheckContext): Promise<CheckResult> {
  const base = { id: check.id, category: check.category, description: check.description };
  try {
    const running = Promise.resolve().then(() => check.run(ctx));
    const message = await withTimeout(running, check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
    return { ...base, status: 'ok', message };
  } catch (error) {
    if (error instanceof CheckSkip) return { ...base, status: 'skip', message: error.message };
    const message = firstLine(error);
    const result: CheckResult = {
      ...base,
      status: check.severity === 'fatal' ? 'fail' : 'warn',
      message,
      hint: check.hint,
    };
    if (error instanceof ConfigError) result.configError = true;
    // The flags that would fix it are spelled by the command that shows the result.
    if (error instanceof VkctlError && error.advice) result.advice = error.advice;
    return result;
  }
}

export async function runChecks(checks: readonly Check[], ctx: CheckContext): Promise<CheckResult[]> {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const results = new Map<string, Promise<CheckResult>>();
  const resultOf = (check: Check): Promise<CheckResult> => {
    let result = results.get(check.id);
    if (!result) {
      result = (async () => {
        for (const need of check.needs ?? []) {
          const needed = byId.get(need);
          if (!needed) continue;
          const outcome = await resultOf(needed);
          if (outcome.status === 'fail' || outcome.status === 'skip') {
            const why =
              outcome.status === 'skip' && outcome.message
                ? outcome.message
                : `needs "${needed.description}"`;
            return {
              id: check.id,
              category: check.category,
              description: check.description,
              status: 'skip',
              message: why,
            };
          }
        }
        return runOne(check, ctx);
      })();
      results.set(check.id, result);
    }
    return result;
  };
  return Promise.all(checks.map(resultOf));
}

export function hasFailures(results: readonly CheckResult[]): boolean {
  return results.some((r) => r.status === 'fail');
}

/**
 * Runs the checks until none fails or `waitMs` has passed, with a fresh context each round so no
 * stale answer is reused. `onRetry` hears about each failed round before the next one.
 */
export async function runChecksUntilGreen(
  checks: readonly Check[],
  makeContext: () => CheckContext,
  waitMs: number,
  onRetry: (results: CheckResult[]) => void = () => undefined,
  intervalMs = 2000,
): Promise<CheckResult[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const results = await runChecks(checks, makeContext());
    const configErrors = results.some((r) => r.status === 'fail' && r.configError);
    if (!hasFailures(results) || configErrors || Date.now() + intervalMs > deadline) return results;
    onRetry(results);
    await sleep(intervalMs);
  }
}
