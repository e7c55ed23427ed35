// install --managed runs doctor's managed pre-install table first, as install runs its own: a
// failure refuses the install (--skip-checks to go on anyway); warnings come back to be shown.
import { DoctorContext, type DoctorSettings } from '../../checks/context.js';
import { MANAGED_PREFLIGHT_CHECKS } from '../../checks/managed-checks.js';
import { runChecks } from '../../checks/runner.js';
import { PreflightFailedError } from '../install.js';

export async function managedPreflight(settings: DoctorSettings): Promise<string[]> {
  const results = await runChecks(MANAGED_PREFLIGHT_CHECKS, new DoctorContext(settings));
  const failures = results.filter((r) => r.status === 'fail');
  if (failures.length > 0) throw new PreflightFailedError(failures);
  return results.filter((r) => r.status === 'warn').map((r) => `${r.description}: ${r.message}`);
}
