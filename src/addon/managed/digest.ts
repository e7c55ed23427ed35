// When two sets of the managed add-on's values are the same: compared as data, key order aside
// (CCE may give keys back in another order than they were sent).
import { createHash } from 'node:crypto';
import type { AddonValues } from '../../cloud/cce-addons.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

export function sameValues(a: AddonValues, b: AddonValues): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export function managedDigest(version: string, values: AddonValues): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical({ version, values })))
    .digest('hex');
}
