// Preflight as install runs it: doctor's pre-install table, a failure refusing the install
// (PreflightFailedError; skipping the checks goes on anyway), warnings given back to be shown. Install
// takes the result as a function, so the lifecycle (addon/) never imports the checks that inspect it.
import { VkctlError } from '../errors.js';
import type { CheckResult } from './check.js';
import { CheckContext, type CheckSettings } from './context.js';
import { MANAGED_PREFLIGHT_CHECKS } from './managed-checks.js';
import { PREFLIGHT_CHECKS } from './preflight.js';
import { runChecks } from './runner.js';
import type { Check } from './check.js';

export class PreflightFailedError extends VkctlError {
  constructor(readonly failures: CheckResult[]) {
    super(
      `preflight checks failed: ${failures.map((f) => `${f.description} (${f.message})`).join('; ')}; fix them`,
      {
        advice: {
          missing: failures.flatMap((f) => f.advice?.missing ?? []),
          override: { option: 'skipChecks', effect: 'to go on anyway' },
        },
      },
    );
  }
}

/** What install calls before it changes anything; `resuming` an interrupted install of its own. */
export type Preflight = (options: { resuming: boolean }) => Promise<string[]>;

async function run(checks: readonly Check[], settings: CheckSettings): Promise<string[]> {
  const results = await runChecks(checks, new CheckContext(settings));
  const failures = results.filter((r) => r.status === 'fail');
  if (failures.length > 0) throw new PreflightFailedError(failures);
  return results.filter((r) => r.status === 'warn').map((r) => `${r.description}: ${r.message}`);
}

/** vkctl's own runtime: the pre-install table; resuming, its own pending release is no conflict. */
export function installPreflight(settings: CheckSettings): Preflight {
  return ({ resuming }) =>
    run(
      PREFLIGHT_CHECKS.filter((c) => !(resuming && c.id === 'release-absent')),
      settings,
    );
}

/** Huawei's managed add-on (the managed install): the managed pre-install table. */
export function managedInstallPreflight(settings: CheckSettings): Preflight {
  return () => run(MANAGED_PREFLIGHT_CHECKS, settings);
}
