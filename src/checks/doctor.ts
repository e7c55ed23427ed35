// The doctor action: picks the table (--pre or post-install), runs it once or until green.
import type { CheckResult } from './check.js';
import { DoctorContext, type DoctorSettings } from './context.js';
import { HEALTH_CHECKS } from './health.js';
import { PREFLIGHT_CHECKS } from './preflight.js';
import { hasFailures, runChecks, runChecksUntilGreen } from './runner.js';

export interface DoctorRequest {
  pre: boolean;
  settings: DoctorSettings;
  /** Retry until no check fails, for at most this long. */
  waitMs?: number;
  onRetry?: (results: CheckResult[]) => void;
}

export interface DoctorReport {
  checks: CheckResult[];
}

export async function doctor(request: DoctorRequest): Promise<DoctorReport> {
  const table = request.pre ? PREFLIGHT_CHECKS : HEALTH_CHECKS;
  const checks = request.waitMs
    ? await runChecksUntilGreen(
        table,
        () => new DoctorContext(request.settings),
        request.waitMs,
        request.onRetry,
      )
    : await runChecks(table, new DoctorContext(request.settings));
  return { checks };
}

/** 0 when nothing failed (warnings allowed), 2 when a failure is a configuration error, else 1. */
export function doctorExitCode(report: DoctorReport): 0 | 1 | 2 {
  if (report.checks.some((c) => c.status === 'fail' && c.configError)) return 2;
  return hasFailures(report.checks) ? 1 : 0;
}
