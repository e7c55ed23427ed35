// Writes oclif.manifest.json after the build, as `oclif manifest` does (the `oclif` package would
// bring a whole release toolchain for this one step; @oclif/core's Plugin builds the same manifest).
// With it, oclif reads commands, flags and help from one JSON file instead of importing every
// command, and through them @kubernetes/client-node and the runtime, on each start.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const plugin = new Plugin({
  root,
  type: 'core',
  ignoreManifest: true,
  errorOnManifestCreate: true,
  isRoot: true,
});
await plugin.load();
const file = path.join(root, 'oclif.manifest.json');
writeFileSync(file, `${JSON.stringify(plugin.manifest, null, 2)}\n`);
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`);

// The root help, as oclif renders it 80 columns wide, for bin/run.js to print without loading oclif
// where oclif would render it so wide (a pipe, an 80-column terminal). Keyed by version, so a stale
// file is never shown.
const { execFileSync } = await import('node:child_process');
const { readFileSync } = await import('node:fs');
const text = execFileSync(process.execPath, [path.join(root, 'bin', 'run.js'), '--help'], {
  env: { ...process.env, VKCTL_NO_HELP_CACHE: '1', OCLIF_COLUMNS: '80', NO_COLOR: '1', FORCE_COLOR: '0' },
  encoding: 'utf8',
});
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
// The VERSION line names the machine that prints it, not this one.
const platform = `${process.platform}-${process.arch} node-${process.version}`;
writeFileSync(
  path.join(root, 'dist', 'help.json'),
  `${JSON.stringify({ version, text: text.split(platform).join('@@PLATFORM@@') })}\n`,
);
console.log('dist/help.json: the root help');
