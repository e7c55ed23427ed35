// A doctor check is data: an id, a category, what it verifies, how to fix a failure (hint with a
// link), its severity, what it needs to have passed first, and a run function. Adding a check is
// adding one entry to a table (preflight.ts, health.ts); runner.ts runs any table.
import type { OptionAdvice } from '../errors.js';
import type { CheckContext } from './context.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  id: string;
  category: string;
  description: string;
  /** A failing 'fatal' check fails doctor (exit 1); a failing 'warning' check is reported only. */
  severity: 'fatal' | 'warning';
  hint: string;
  /** Checks that must pass (ok or warn) first; otherwise this one is skipped. */
  needs?: string[];
  timeoutMs?: number;
  /** Returns (or resolves with) the message of success; throws to fail (CheckSkip to skip). */
  run(ctx: CheckContext): string | Promise<string>;
}

export interface CheckResult {
  id: string;
  category: string;
  description: string;
  status: CheckStatus;
  message: string;
  hint?: string;
  /** What the failure says about the command line, for the command to spell (errors.ts). */
  advice?: OptionAdvice;
  /** Set when the failure is a usage or configuration error (doctor then exits 2). */
  configError?: boolean;
}

/** Thrown by a check that does not apply (e.g. interconnect when it is off). */
export class CheckSkip extends Error {}

export const DEFAULT_CHECK_TIMEOUT_MS = 15_000;
