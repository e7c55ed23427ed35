// Reads manifests from files or standard input ("-") for validate.
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { UsageError } from '../errors.js';
import { parseManifests } from './workloads.js';

export async function readManifestSources(sources: readonly string[]) {
  const objects = [];
  for (const source of sources) {
    let content: string;
    try {
      content = source === '-' ? await text(process.stdin) : await readFile(source, 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    objects.push(...parseManifests(content, source === '-' ? 'standard input' : source));
  }
  return objects;
}
