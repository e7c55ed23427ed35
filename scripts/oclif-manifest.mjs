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
