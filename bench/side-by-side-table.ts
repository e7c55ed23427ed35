// The README's side-by-side tables: one row per run, then ours/upstream per figure against the fair
// peer (upstream tuned all the way; the JSON has the ratios against every upstream run).
import type { benchSideBySide } from './side-by-side.js';
import type { Series } from './stats.js';

type Result = Awaited<ReturnType<typeof benchSideBySide>>;

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;
const seconds = (ms: number) => `${round(ms / 1000, 2)} s`;
const pair = (series: Series | undefined) =>
  series ? `${seconds(series.medianMs)} / ${seconds(series.p99Ms)}` : '';

/** The upstream run the ratio table compares against. */
export const FAIR_PEER = 'upstream, tuned all the way';

export function sideBySideMarkdown(result: Result): string {
  const lines = [
    `Limits: ${result.limits.cpu} CPU, ${result.limits.memory} (${result.limits.source}; ${result.limits.mechanism ?? `no cgroup here: ${result.limitsUnavailable}`}).`,
    '',
    '| pods | runtime | pods/s | p50 / p99 bind-to-Running | requests/pod | CPU s | CPU ms/pod | peak RSS MiB | CPU floor at the limit | emulator CPU ms/pod | inside the limits |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of [...result.runs].sort((a, b) => a.pods - b.pods)) {
    const limited = r.withinLimits
      ? r.withinLimits.oomKilled
        ? `**OOM-killed**, ${r.runningAtEnd} Running`
        : `${r.completed ? 'all Running' : `${r.runningAtEnd} Running`}, ${r.withinLimits.cpu === 'no limit' ? 'no CPU limit' : `throttled ${r.withinLimits.throttledS} s`}, peak ${r.withinLimits.cgroupPeakMiB} MiB`
      : '';
    const rate = r.podsPerSecond ?? `(${r.runningAtEnd} Running)`;
    lines.push(
      `| ${r.pods} | ${r.runtime} | ${rate} | ${seconds(r.bindToRunning.medianMs)} / ${seconds(r.bindToRunning.p99Ms)} | ${r.requestsPerPod} | ${r.cpuSeconds} | ${r.cpuMsPerPod} | ${r.peakRssMiB} | ${r.cpuLimitFloorS === undefined ? '' : `${r.cpuLimitFloorS} s`} | ${r.emulatorCpuMsPerPod ?? ''} | ${limited} |`,
    );
  }
  lines.push(
    '',
    `| pods | ours / ${FAIR_PEER} | pods/s | p50 | p99 | requests/pod | CPU s | peak RSS |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const c of [...result.ratios].filter((c) => c.upstream === FAIR_PEER).sort((a, b) => a.pods - b.pods))
    lines.push(
      `| ${c.pods} | ${c.ours} | ×${c.podsPerSecond} | ×${c.p50} | ×${c.p99} | ×${c.requestsPerPod} | ×${c.cpuSeconds} | ×${c.peakRss} |`,
    );
  lines.push(
    '',
    "Bind-to-Running split at the runtime's first status write reaching the apiserver (audit log), p50 / p99:",
    '',
    "| pods | runtime | bound → status write received | a wait in the runtime's queue (mean, p99 within) | status write received → Running seen | binding answered → status write answered | bench saw the bind after its answer |",
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of [...result.runs].sort((a, b) => a.pods - b.pods))
    if (r.bindToStatusWrite && r.statusWriteToRunning) {
      const wait = r.queueWait;
      const p99 = wait?.p99AtMostS === null ? `> ${wait.lastBoundS} s` : `≤ ${wait?.p99AtMostS} s`;
      const queue = wait ? `${seconds(wait.meanMs)}, ${p99}` : '';
      lines.push(
        `| ${r.pods} | ${r.runtime} | ${seconds(r.bindToStatusWrite.medianMs)} / ${seconds(r.bindToStatusWrite.p99Ms)} | ${queue} | ${seconds(r.statusWriteToRunning.medianMs)} / ${seconds(r.statusWriteToRunning.p99Ms)} | ${pair(r.answeredBindToStatus)} | ${pair(r.benchSawBindLate)} |`,
      );
    }
  lines.push(
    '',
    'The last two: both ends as the apiserver answered them (audit log), without the bench’s watch.',
  );
  lines.push('', 'CPU seconds of the other processes during each run:', '');
  const names = [...new Set(result.runs.flatMap((r) => Object.keys(r.otherCpuSeconds)))];
  lines.push(`| pods | runtime | ${names.join(' | ')} |`, `| --- | --- |${' --- |'.repeat(names.length)}`);
  for (const r of [...result.runs].sort((a, b) => a.pods - b.pods))
    lines.push(`| ${r.pods} | ${r.runtime} | ${names.map((n) => r.otherCpuSeconds[n] ?? '').join(' | ')} |`);
  return lines.join('\n');
}
