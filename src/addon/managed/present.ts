// Text output of the managed mode's actions (JSON output is the results as they are).
import { stringify } from 'yaml';
import { MANAGED_ADDON_TEMPLATE } from '../../cloud/cce.js';
import type { ManagedInstallResult } from './install.js';
import type { ManagedUninstallResult } from './uninstall.js';
import type { ManagedUpgradeResult } from './upgrade.js';
import type { ValueChange } from './value-changes.js';
import type { OfferedVersion } from './versions.js';

const ADDON = `Huawei's ${MANAGED_ADDON_TEMPLATE} add-on`;

export function managedInstallText(result: ManagedInstallResult): string {
  switch (result.outcome) {
    case 'unchanged':
      return `${ADDON} ${result.version} is already installed (revision ${result.revision}) with these values: nothing to change`;
    case 'adopted':
      return `recorded ${ADDON} ${result.version}, installed outside vkctl, as revision ${result.revision}: vkctl upgrade, status and uninstall now follow it`;
    case 'dry-run':
      return [
        `# ${ADDON} ${result.version}: the values CCE would be sent (secrets redacted)`,
        stringify(result.values).trimEnd(),
      ].join('\n');
    case 'failed':
      return `install of ${ADDON} ${result.version} failed (revision ${result.revision}): ${result.message ?? ''}`;
    case 'installed':
      return [
        `installed ${ADDON} ${result.version} through CCE (revision ${result.revision}, instance ${result.addonId})`,
        ...result.warnings.map((w) => `warning: ${w}`),
        'next: vkctl doctor',
      ].join('\n');
  }
}

export function valueChangesText(changes: ValueChange[]): string {
  if (changes.length === 0) return 'no changes';
  const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));
  return changes
    .map((c) =>
      c.secret ? `~ ${c.path}: (redacted) changed` : `~ ${c.path}: ${show(c.from)} → ${show(c.to)}`,
    )
    .join('\n');
}

/** Whether an upgrade would send anything to CCE (diff's exit 1). */
export function managedUpgradeDiffers(result: ManagedUpgradeResult): boolean {
  return result.outcome !== 'up-to-date' && (result.changes.length > 0 || !!result.retry);
}

/** upgrade --dry-run and diff: what changes, why it is sent again, and the whole set CCE would get. */
export function managedDiffText(result: ManagedUpgradeResult): string {
  if (!managedUpgradeDiffers(result)) return 'no changes';
  return [
    ...(result.changes.length > 0 ? [valueChangesText(result.changes)] : []),
    ...(result.retry ? [`! sent again: ${result.retry}`] : []),
    `# ${ADDON} ${result.version}: the values CCE would be sent (secrets redacted)`,
    stringify(result.values).trimEnd(),
  ].join('\n');
}

export function managedUpgradeText(result: ManagedUpgradeResult): string {
  switch (result.outcome) {
    case 'up-to-date':
      return result.message ?? `${ADDON} ${result.version} is up to date`;
    case 'dry-run':
      return managedDiffText(result);
    case 'upgraded':
      return result.retry
        ? `sent ${ADDON} ${result.version} to CCE again (${result.retry}); it is running (revision ${result.revision})`
        : result.from === result.version
          ? `updated the values of ${ADDON} ${result.version} (revision ${result.revision})`
          : `upgraded ${ADDON} ${result.from} → ${result.version} (revision ${result.revision})`;
    case 'failed':
      return `upgrade of ${ADDON} to ${result.version} failed (revision ${result.revision}): ${result.message ?? ''}`;
  }
}

export function managedUninstallText(result: ManagedUninstallResult): string {
  const verb = result.outcome === 'dry-run' ? 'would remove' : 'removed';
  return [`${verb}:`, ...result.removed.map((r) => `  ${r}`)].join('\n');
}

export function offeredVersionsText(versions: OfferedVersion[]): string {
  const rows = [
    ['VERSION', 'INSTALLED', 'CLUSTERS'],
    ...versions.map((v) => [v.version, v.installed ? '*' : '', v.clusterVersions.join(', ')]),
  ];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
