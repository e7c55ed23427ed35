// What an update changes in the managed add-on's values, key by key (dotted paths), for --dry-run
// and diff: the console shows the whole form; a terminal shows what differs.
import type { AddonValues } from '../../cloud/cce-addons.js';
import { isSecretKey } from './values.js';

export interface ValueChange {
  path: string;
  from?: unknown;
  to?: unknown;
  /** A secret's change: its values are left out (from/to absent). */
  secret?: true;
}

const isTree = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function valueChanges(before: AddonValues, after: AddonValues, path: string[] = []): ValueChange[] {
  const changes: ValueChange[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const key of keys) {
    const a = before[key];
    const b = after[key];
    const where = [...path, key];
    if (isTree(a) && isTree(b)) changes.push(...valueChanges(a, b, where));
    else if (JSON.stringify(a) !== JSON.stringify(b))
      changes.push({
        path: where.join('.'),
        ...(a === undefined ? {} : { from: a }),
        ...(b === undefined ? {} : { to: b }),
      });
  }
  return changes;
}

/**
 * The changes as shown: a change under a secret-looking key keeps its path and says it changed, but
 * not from what to what. Changes are found on the real values first, so that a new password alone
 * is a change (diff exits 1, upgrade sends it), and only then hidden.
 */
export function redactedChanges(changes: ValueChange[]): ValueChange[] {
  return changes.map((c) => (c.path.split('.').some(isSecretKey) ? { path: c.path, secret: true } : c));
}
