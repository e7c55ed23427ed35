// Reads manifests from files or standard input ("-") for validate. Input is capped: workload
// manifests are kilobytes, and a 50 MB file once took the YAML parser to 4 GB before it died. An
// empty input is an error, not a silent pass: nothing was checked.
import { stat, readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { parseManifests } from './workloads.js';

/** The most one source may hold. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

async function readCapped(source: string): Promise<string> {
  if (source !== '-') {
    const { size } = await stat(source);
    if (size > MAX_MANIFEST_BYTES) throw new UsageError(tooLarge(source));
    return readFile(source, 'utf8');
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    total += buffer.length;
    if (total > MAX_MANIFEST_BYTES) throw new UsageError(tooLarge('standard input'));
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(source: string): string {
  return `${source} is larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB: give the workloads to check, not a whole dump`;
}

export async function readManifestSources(sources: readonly string[]) {
  const objects = [];
  for (const source of sources) {
    let content: string;
    try {
      content = await readCapped(source);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(
        `cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    objects.push(...parseManifests(content, source === '-' ? 'standard input' : source));
  }
  if (objects.length === 0)
    throw new UsageError(
      `no Kubernetes objects in ${sources.map((s) => (s === '-' ? 'standard input' : s)).join(', ')}`,
    );
  return objects;
}
