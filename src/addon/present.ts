// Text output of the lifecycle commands. JSON output is the action results as they are.
import type { ObjectChange, UpgradeResult } from './upgrade.js';
import type { InstallResult } from './install.js';
import type { AddonStatus, HistoryEntry } from './status.js';
import type { UninstallResult } from './uninstall.js';
import type { AddonVersion, RuntimeVersion, ServerVersions } from './versions.js';

export function installText(result: InstallResult, namespace: string): string {
  switch (result.outcome) {
    case 'unchanged':
      return `vkctl ${result.version} is already installed in ${namespace} (revision ${result.revision}) with these values: nothing to change`;
    case 'dry-run':
      return result.manifest ?? '';
    case 'failed':
      return `install of vkctl ${result.version} failed (revision ${result.revision}): ${result.message ?? ''}`;
    case 'installed':
      return [
        `installed vkctl ${result.version} in ${namespace} (revision ${result.revision}, ${result.objects.length} objects)`,
        ...result.warnings.map((w) => `warning: ${w}`),
        'next: vkctl doctor',
      ].join('\n');
  }
}

export function uninstallText(result: UninstallResult, namespace: string): string {
  if (result.outcome === 'not-installed') return `vkctl is not installed in ${namespace}: nothing to do`;
  const verb = result.outcome === 'dry-run' ? 'would remove' : 'removed';
  return [`${verb}:`, ...result.removed.map((r) => `  ${r}`)].join('\n');
}

export function statusText(status: AddonStatus): string {
  if (!status.installed) return `vkctl is not installed in ${status.namespace}`;
  const lines = [
    `NAMESPACE: ${status.namespace}`,
    `REVISION: ${status.revision}`,
    `VERSION: ${status.version}`,
    `STATUS: ${status.status}`,
    `UPDATED: ${status.updatedAt ?? 'unknown'}`,
  ];
  if (status.mode === 'managed') {
    lines.push(`MODE: managed (Huawei's add-on through CCE)`);
    const addon = status.addon;
    if (addon)
      lines.push(
        `CCE ADD-ON: ${addon.id} ${addon.status}${addon.version ? ` (${addon.version})` : ''}${addon.reason ? `: ${addon.reason}` : ''}${addon.error ? ` (CCE not asked: ${addon.error})` : ''}`,
      );
  } else
    lines.push(
      `DEPLOYMENT: ${status.deployment ? `${status.deployment.available}/${status.deployment.desired} available${status.deployment.rollout === 'deployment rolled out' ? '' : ` (${status.deployment.rollout})`}` : 'missing'}`,
    );
  if (status.node) {
    lines.push(
      `NODE: ${status.node.name} ${status.node.registered ? (status.node.ready ? 'Ready' : 'NotReady') : 'not registered'}`,
    );
  }
  if (status.description) lines.push(`DESCRIPTION: ${status.description}`);
  if (status.unreadable) lines.push(`RECORD: unreadable: ${status.unreadable}`);
  return lines.join('\n');
}

export function historyText(entries: HistoryEntry[]): string {
  const rows = [
    ['REVISION', 'UPDATED', 'STATUS', 'VERSION', 'DESCRIPTION'],
    ...entries.map((e) => [String(e.revision), e.updated ?? '', e.status, e.version, e.description ?? '']),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function upgradeText(result: UpgradeResult): string {
  switch (result.outcome) {
    case 'up-to-date':
      return `vkctl ${result.version} is already up to date (revision ${result.revision})`;
    case 'dry-run':
      return changesText(result.changes ?? []);
    case 'upgraded':
      return `upgraded to vkctl ${result.version} (revision ${result.revision})${result.message ? `: ${result.message}` : ''}`;
    case 'rolled-back':
      return `rolled back to vkctl ${result.version} (revision ${result.revision}): ${result.message ?? ''}`;
    case 'failed':
      return `failed (revision ${result.revision}): ${result.message ?? ''}`;
  }
}

export function changesText(changes: ObjectChange[]): string {
  if (changes.length === 0) return 'no changes';
  const sign = { add: '+', change: '~', remove: '-' } as const;
  return changes
    .map((c) => [`${sign[c.change]} ${c.object}`, ...(c.diff ? [c.diff.trimEnd()] : [])].join('\n'))
    .join('\n');
}

/** `vkctl version`: the client's, and the cluster's when it was asked (`server`). */
export function versionText(client: string, server: ServerVersions | undefined, namespace: string): string {
  const lines = [`Client Version: ${client}`];
  if (server) lines.push(`Add-on Version: ${addonText(server.addon, namespace)}`);
  if (server?.addon) lines.push(`Runtime Version: ${runtimeText(server.runtime)}`);
  return lines.join('\n');
}

function addonText(addon: AddonVersion | undefined, namespace: string): string {
  if (!addon) return `not installed in ${namespace}`;
  return `${addon.version} (revision ${addon.revision}, ${addon.status}, in ${addon.namespace})`;
}

function runtimeText(runtime: RuntimeVersion | undefined): string {
  if (!runtime) return 'not running (no runtime Deployment or virtual node)';
  const where = [`node ${runtime.node}${runtime.ready ? '' : ' not Ready'}`];
  if (runtime.image) where.push(`image ${runtime.image}`);
  return `${runtime.version ?? 'unknown (its node reports none)'} (${where.join(', ')})`;
}
