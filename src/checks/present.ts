// Human output of doctor and validate: one line per check or workload, grouped by category, with
// hints under failures. Colour only when asked (on a TTY); the symbols carry the meaning without it.
import { Chalk } from 'chalk';
import type { CheckResult, CheckStatus } from './check.js';
import type { WorkloadResult } from './workloads.js';

const SYMBOL: Record<CheckStatus, string> = { ok: '✔', warn: '‼', fail: '×', skip: '-' };

function painter(color: boolean) {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  return {
    ok: chalk.green,
    warn: chalk.yellow,
    fail: chalk.red,
    skip: chalk.dim,
    bold: chalk.bold,
    dim: chalk.dim,
  };
}

export function renderChecks(results: readonly CheckResult[], color: boolean): string {
  const paint = painter(color);
  const lines: string[] = [];
  const categories = [...new Set(results.map((r) => r.category))];
  for (const category of categories) {
    lines.push(paint.bold(category), paint.dim('-'.repeat(category.length)));
    for (const r of results.filter((x) => x.category === category)) {
      const detail = r.status === 'ok' ? paint.dim(` (${r.message})`) : '';
      lines.push(`${paint[r.status](SYMBOL[r.status])} ${r.description}${detail}`);
      if (r.status !== 'ok') lines.push(`    ${r.message}`);
      if (r.hint && (r.status === 'fail' || r.status === 'warn'))
        lines.push(`    ${paint.dim(`hint: ${r.hint}`)}`);
    }
    lines.push('');
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  const verdict = failed > 0 ? paint.fail(`× ${failed} check(s) failed`) : paint.ok('✔ all checks passed');
  lines.push(`${verdict}${warned > 0 ? paint.warn(`, ${warned} warning(s)`) : ''}`);
  return lines.join('\n');
}

export function renderWorkloads(results: readonly WorkloadResult[], color: boolean): string {
  const paint = painter(color);
  if (results.length === 0)
    return 'no workloads (Pod, Deployment, StatefulSet, ReplicaSet, Job, CronJob, DaemonSet) in the input';
  const lines: string[] = [];
  for (const r of results) {
    const what = `${r.kind} ${r.namespace}/${r.name}`;
    lines.push(
      r.burstable
        ? `${paint.ok('✔')} ${what} can burst to CCI`
        : `${paint.fail('×')} ${what} cannot burst to CCI`,
    );
    for (const v of r.violations)
      lines.push(
        `    ${v.container ? `container ${v.container}: ` : ''}${v.message} ${paint.dim(`[${v.rule}]`)}`,
      );
  }
  const blocked = results.filter((r) => !r.burstable).length;
  lines.push(
    '',
    blocked === 0
      ? paint.ok(`✔ all ${results.length} workload(s) can burst`)
      : paint.fail(`× ${blocked} of ${results.length} workload(s) cannot burst`),
  );
  return lines.join('\n');
}
