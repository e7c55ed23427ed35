// validate's memory whatever its input (issue 17, item 8): peak RSS and exit code of
// `vkctl validate -f` on 1, 7.5 (just under the cap), 10 and 50 MB of Deployment manifests. Inputs over the 8 MiB cap are
// refused before they are read; below it, the parser holds the documents. Peak RSS from GNU time
// (`/usr/bin/time -f %M`), as in bench/startup.ts. Writes bench/results/validate-input.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GNU_TIME = '/usr/bin/time';
const deployment = (i: number) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: web-${i}}`,
    'spec:',
    '  selector: {matchLabels: {app: web}}',
    '  template:',
    '    metadata: {labels: {app: web}}',
    '    spec:',
    '      containers: [{name: web, image: nginx, resources: {limits: {cpu: 250m, memory: 1Gi}}}]',
    '---',
  ].join('\n');

function manifestOf(bytes: number, dir: string): string {
  const one = `${deployment(0)}\n`;
  const file = path.join(dir, `${bytes}.yaml`);
  const count = Math.ceil(bytes / one.length);
  writeFileSync(file, Array.from({ length: count }, (_, i) => `${deployment(i)}\n`).join(''));
  return file;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-bench-validate-'));
const results = [];
// 7.5: about the most the cap lets through, so the most memory validate can take.
for (const mb of [1, 7.5, 10, 50]) {
  const file = manifestOf(Math.round(mb * 1024 * 1024), dir);
  const rssFile = path.join(dir, `${mb}.rss`);
  const started = process.hrtime.bigint();
  const run = spawnSync(
    GNU_TIME,
    ['-f', '%M', '-o', rssFile, process.execPath, 'bin/run.js', 'validate', '-f', file],
    {
      cwd: root,
      encoding: 'utf8',
      // Its report (a line per workload) is not kept: only the exit code and the first error line.
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rssKb = existsSync(rssFile)
    ? Number((await import('node:fs')).readFileSync(rssFile, 'utf8').trim().split('\n').at(-1))
    : NaN;
  results.push({
    inputMB: mb,
    exitCode: run.status,
    ms: Math.round(ms),
    peakRssMiB: Math.round(rssKb / 1024),
    stderr: run.stderr.trim().split('\n')[0] ?? '',
  });
}
const out = path.join(root, 'bench', 'results', 'validate-input.json');
writeFileSync(
  out,
  `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, results }, null, 2)}\n`,
);
rmSync(dir, { recursive: true, force: true });
console.table(results);
console.log(`written to ${path.relative(root, out)}`);
