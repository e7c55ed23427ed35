// How fast the CLI starts, side by side with `kubectl version --client` in the same run: wall time
// (median and p90 of 15 runs each, alternated so that the machine's moods fall on both) and peak
// RSS, for `vkctl --version`, `vkctl --help` and `vkctl status` (against the test control plane).
// Targets (issue 15): --version <= 150 ms, --help <= 300 ms and each <= 2x kubectl; status <= 600 ms.
// `node -e 0` is measured too, as the floor any Node program starts from. NODE_EXTRA_CA_CERTS, when
// set (the sandboxes these figures come from set it), makes Node build its whole root certificate
// store at start-up, before any of our code runs; then each Node case is also measured without it.
// Peak RSS of a child process is not something Node can see once it has exited: GNU time
// (`/usr/bin/time -f %M`, Debian's `time` package) measures it; without it the RSS figures are null.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestEnvironment } from '../test/env/environment.js';
import { vkctlEnvironment } from '../test/env/environment.js';
import { runProcess } from '../test/env/run-cli.js';
import { summarize, type Series } from './stats.js';

const GNU_TIME = '/usr/bin/time';
const RUNS = 15;
const bin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../bin/run.js');

interface Measured extends Series {
  peakRssMiB: number | null;
}

interface Case {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  targetMs?: number;
}

const WITHOUT_EXTRA_CA = ', NODE_EXTRA_CA_CERTS unset';

export async function benchStartup(env: TestEnvironment) {
  const settings = { ...vkctlEnvironment(env), NO_COLOR: '1', VKCTL_CONFIG: '/dev/null' };
  const nodeCases: Case[] = [
    { name: 'node -e 0', command: process.execPath, args: ['-e', '0'] },
    { name: 'vkctl --version', command: process.execPath, args: [bin, '--version'], targetMs: 150 },
    { name: 'vkctl --help', command: process.execPath, args: [bin, '--help'], targetMs: 300 },
    { name: 'vkctl status', command: process.execPath, args: [bin, 'status'], env: settings, targetMs: 600 },
  ];
  const extraCa = Boolean(process.env.NODE_EXTRA_CA_CERTS);
  const cases: Case[] = [
    { name: 'kubectl version --client', command: 'kubectl', args: ['version', '--client'] },
    ...nodeCases,
    // An empty value is no value to Node.
    ...(extraCa
      ? nodeCases.map((c) => ({
          ...c,
          name: `${c.name}${WITHOUT_EXTRA_CA}`,
          env: { ...c.env, NODE_EXTRA_CA_CERTS: '' },
          targetMs: undefined,
        }))
      : []),
  ];
  const withTime = existsSync(GNU_TIME);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-startup-'));
  const samples = new Map<string, { ms: number[]; rssKiB: number[] }>(
    cases.map((c) => [c.name, { ms: [], rssKiB: [] }]),
  );
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const c of cases) {
        const rssFile = path.join(dir, 'rss');
        const [command, args] = withTime
          ? [GNU_TIME, ['-f', '%M', '-o', rssFile, c.command, ...c.args]]
          : [c.command, c.args];
        const start = process.hrtime.bigint();
        const result = await runProcess(command, args, { env: c.env });
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        // status exits 0 or 1 (nothing installed); anything else is a broken measurement.
        if (result.code !== 0 && !(c.name.startsWith('vkctl status') && result.code === 1))
          throw new Error(`${c.name} failed (exit ${result.code}): ${result.stderr}`);
        const entry = samples.get(c.name);
        entry?.ms.push(ms);
        if (withTime) entry?.rssKiB.push(Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const measured = new Map<string, Measured>();
  for (const c of cases) {
    const s = samples.get(c.name) ?? { ms: [], rssKiB: [] };
    const rss = [...s.rssKiB].sort((a, b) => a - b);
    measured.set(c.name, {
      ...summarize(s.ms),
      peakRssMiB: rss.length > 0 ? Math.round((rss[Math.floor(rss.length / 2)] ?? 0) / 1024) : null,
    });
  }
  const kubectl = measured.get('kubectl version --client');
  const rows = cases.map((c) => {
    const m = measured.get(c.name);
    const ratio = m && kubectl ? Math.round((m.medianMs / kubectl.medianMs) * 10) / 10 : null;
    return {
      command: c.name,
      ...m,
      ratioToKubectl: ratio,
      targetMs: c.targetMs ?? null,
      meetsTarget: c.targetMs !== undefined && m ? m.medianMs <= c.targetMs : null,
    };
  });
  return {
    runs: RUNS,
    peakRssFrom: withTime ? 'GNU time %M (median of runs)' : null,
    nodeExtraCaCerts: extraCa,
    rows,
  };
}

export function startupMarkdown(result: Awaited<ReturnType<typeof benchStartup>>): string {
  const lines = [
    '| command | median | p90 | × kubectl | peak RSS | target |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of result.rows) {
    const target = r.targetMs === null ? '' : `≤ ${r.targetMs} ms: ${r.meetsTarget ? 'met' : 'not met'}`;
    lines.push(
      `| \`${r.command}\` | ${r.medianMs} ms | ${r.p90Ms} ms | ${r.ratioToKubectl ?? ''} | ${r.peakRssMiB ?? '?'} MiB | ${target} |`,
    );
  }
  return lines.join('\n');
}
