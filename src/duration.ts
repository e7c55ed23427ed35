// Durations as kubectl and helm take them: "30s", "5m", "1m30s", "1h", "500ms".
import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The milliseconds of `text`; `option` names the setting it came from, for the error (errors.ts). */
export function parseDuration(text: string, option?: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new UsageError(`invalid duration "${text}": use e.g. 30s, 5m or 1m30s`, {
      advice: option === undefined ? undefined : { option },
    });
  }
  return parts.reduce((total, [, n, unit]) => total + Number(n) * (UNIT_MS[unit ?? 's'] ?? 0), 0);
}
