// The data a command prints for -o json|yaml (and --json). Every command imports this module
// through command-base, so the YAML library is loaded only when YAML is asked for.
import { createRequire } from 'node:module';

// Loaded on first use only (see dataText); in this form so the image's bundle can see through it
// (scripts/image/bundle.mjs).
const require = createRequire(import.meta.url);

export const OUTPUT_FORMATS = ['json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A command's result as JSON or YAML; the YAML holds what the JSON does (no undefined fields). */
export function dataText(value: unknown, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(value, null, 2);
  // Synchronously: commands print and then exit, and printing is not awaited.
  const { stringify } = require('yaml') as typeof import('yaml');
  return stringify(JSON.parse(JSON.stringify(value) ?? 'null')).trimEnd();
}
