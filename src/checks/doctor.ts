// The doctor action: picks the table (--pre or post-install), runs it once or until green.
import { cloudFor } from '../addon/managed/cloud-for.js';
import type { Check, CheckResult } from './check.js';
import { MANAGED_HEALTH_CHECKS, MANAGED_PREFLIGHT_CHECKS } from './managed-checks.js';
import { CheckContext, type CheckSettings } from './context.js';
import { HEALTH_CHECKS } from './health.js';
import { PREFLIGHT_CHECKS } from './preflight.js';
import { hasFailures, runChecks, runChecksUntilGreen } from './runner.js';

export interface DoctorRequest {
  pre: boolean;
  /** --pre for Huawei's managed add-on (install --managed); after install the record says. */
  managed?: boolean;
  settings: CheckSettings;
  /** Retry until no check fails, for at most this long. */
  waitMs?: number;
  onRetry?: (results: CheckResult[]) => void;
}

export interface DoctorReport {
  checks: CheckResult[];
}

/** The table for the request: own runtime or managed add-on, before or after install. */
async function tableFor(
  request: DoctorRequest,
): Promise<{ table: readonly Check[]; settings: CheckSettings; context?: CheckContext }> {
  if (request.pre)
    return {
      table: request.managed ? MANAGED_PREFLIGHT_CHECKS : PREFLIGHT_CHECKS,
      settings: request.settings,
    };
  // After install the release record says which add-on it is (a cluster that cannot be read gets
  // the own-runtime table, whose first checks say why).
  // The context that read it runs the own-runtime table too, so the record is not read twice.
  const context = new CheckContext(request.settings);
  const record = await context.release().catch(() => undefined);
  if (record?.mode !== 'managed') return { table: HEALTH_CHECKS, settings: request.settings, context };
  return {
    table: MANAGED_HEALTH_CHECKS,
    settings: { ...request.settings, cloud: cloudFor(request.settings.cloud, record) },
  };
}

export async function doctor(request: DoctorRequest): Promise<DoctorReport> {
  const { table, settings, context } = await tableFor(request);
  const checks = request.waitMs
    ? await runChecksUntilGreen(table, () => new CheckContext(settings), request.waitMs, request.onRetry)
    : await runChecks(table, context ?? new CheckContext(settings));
  return { checks };
}

/** 0 when nothing failed (warnings allowed), 2 when a failure is a configuration error, else 1. */
export function doctorExitCode(report: DoctorReport): 0 | 1 | 2 {
  if (report.checks.some((c) => c.status === 'fail' && c.configError)) return 2;
  return hasFailures(report.checks) ? 1 : 0;
}
