// Reads manifests for validate as kubectl's -f reads them: files, comma-separated lists, "-" for
// standard input, and directories (their .json, .yaml and .yml files; with -R their subdirectories'
// too). URLs are refused: validate reads nothing over the network. Input is capped: workload
// manifests are kilobytes, and a 50 MB file once took the YAML parser to 4 GB before it died. An
// empty input is an error, not a silent pass: nothing was checked.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { parseManifests } from './workloads.js';

/** The most one source may hold. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** The most all sources together may hold: a directory is many sources, each within the cap. */
export const MAX_TOTAL_MANIFEST_BYTES = 4 * MAX_MANIFEST_BYTES;
/** The extensions kubectl reads in a directory (k8s.io/cli-runtime resource.FileExtensions). */
const MANIFEST_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

export interface ManifestSourceOptions {
  /** Walk the subdirectories of a directory too (-R). */
  recursive?: boolean;
}

async function readStdinCapped(): Promise<string> {
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

function tooLarge(source: string, limit = MAX_MANIFEST_BYTES): string {
  return `${source} is larger than ${limit / 1024 / 1024} MiB: give the workloads to check, not a whole dump`;
}

function unreadable(source: string, error: unknown): UsageError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  const hint = reason === 'ENOENT' ? ' (no such file or directory)' : '';
  return new UsageError(`cannot read ${source}: ${reason}${hint}`, { cause: error });
}

/** The files a -f value names: itself, or a directory's manifest files in name order. */
async function filesOf(source: string, options: ManifestSourceOptions, top = true): Promise<string[]> {
  let info;
  try {
    info = await stat(source);
  } catch (error) {
    throw unreadable(source, error);
  }
  if (!info.isDirectory()) return [source];
  if (!top && !options.recursive) return [];
  let entries;
  try {
    entries = await readdir(source, { withFileTypes: true });
  } catch (error) {
    throw unreadable(source, error);
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = path.join(source, entry.name);
    if (entry.isDirectory()) files.push(...(await filesOf(child, options, false)));
    else if (MANIFEST_EXTENSIONS.has(path.extname(entry.name))) files.push(child);
  }
  return files;
}

/** Each -f value split on commas, as kubectl does; URLs refused with what to do instead. */
function splitSources(values: readonly string[]): string[] {
  const sources = values.flatMap((value) => value.split(',')).filter((s) => s !== '');
  const url = sources.find((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s));
  if (url)
    throw new UsageError(
      `-f ${url}: validate reads files and standard input only; fetch it first, e.g. curl -fsSL ${url} | vkctl validate -f -`,
    );
  if (sources.length === 0) throw new UsageError('-f names no file');
  return sources;
}

export async function readManifestSources(values: readonly string[], options: ManifestSourceOptions = {}) {
  const sources = splitSources(values);
  const objects = [];
  let total = 0;
  for (const source of sources) {
    const files = source === '-' ? ['-'] : await filesOf(source, options);
    for (const file of files) {
      let content: string;
      if (file === '-') {
        content = await readStdinCapped();
      } else {
        try {
          const { size } = await stat(file);
          if (size > MAX_MANIFEST_BYTES) throw new UsageError(tooLarge(file));
          total += size;
          if (total > MAX_TOTAL_MANIFEST_BYTES)
            throw new UsageError(tooLarge(`the input (${sources.join(', ')})`, MAX_TOTAL_MANIFEST_BYTES));
          content = await readFile(file, 'utf8');
        } catch (error) {
          if (error instanceof UsageError) throw error;
          throw unreadable(file, error);
        }
      }
      objects.push(...parseManifests(content, file === '-' ? 'standard input' : file));
    }
  }
  if (objects.length === 0)
    throw new UsageError(
      `no Kubernetes objects in ${sources.map((s) => (s === '-' ? 'standard input' : s)).join(', ')}`,
    );
  return objects;
}
