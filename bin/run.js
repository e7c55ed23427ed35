#!/usr/bin/env node
// Production entry point: runs the compiled commands in dist/.
// `vkctl --version` (and -v) answers before loading oclif, which alone takes longer to import than
// the whole answer should (bench/results/startup.json); the line is oclif's own format.
const [flag, ...rest] = process.argv.slice(2);
if ((flag === '--version' || flag === '-v') && rest.length === 0) {
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  console.log(`vkctl/${version} ${process.platform}-${process.arch} node-${process.version}`);
} else {
  // execute alone, not oclif's index: the index also loads all of semver, the parser and the ux helpers.
  const { execute } = await import('@oclif/core/execute');
  await execute({ dir: import.meta.url });
}
