#!/usr/bin/env node
// Production entry point: runs the compiled commands in dist/.
// `vkctl --version` (and -v) answers before loading oclif, which alone takes longer to import than
// the whole answer should (bench/results/startup.json); the line is oclif's own format. So does
// `vkctl --help`, from oclif's own output rendered at build time (scripts/oclif-manifest.mjs).
const [flag, ...rest] = process.argv.slice(2);
if ((flag === '--version' || flag === '-v') && rest.length === 0) {
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  console.log(`vkctl/${version} ${process.platform}-${process.arch} node-${process.version}`);
} else if (
  (flag === '--help' || flag === '-h') &&
  rest.length === 0 &&
  !process.env.VKCTL_NO_HELP_CACHE &&
  helpWidth() === 80 &&
  (await printCachedHelp())
) {
  // Printed from dist/help.json: oclif's own root help, rendered at build time (80 columns), since
  // oclif takes about 150 ms to import and render it. Any other width is oclif's to render.
} else {
  // execute alone, not oclif's index: the index also loads all of semver, the parser and the ux helpers.
  const { execute } = await import('@oclif/core/execute');
  await execute({ dir: import.meta.url });
}

/** The width oclif wraps help to (its screen.js): OCLIF_COLUMNS, else the terminal's, else 80. */
function helpWidth() {
  const columns = Number.parseInt(process.env.OCLIF_COLUMNS ?? '', 10);
  if (columns) return columns;
  if (!process.stdout.isTTY) return 80;
  const [width] = process.stdout.getWindowSize();
  return width < 1 ? 80 : Math.max(width, 40);
}

/** Prints the root help rendered at build time, if it is this version's; false when there is none. */
async function printCachedHelp() {
  const { readFileSync } = await import('node:fs');
  try {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const cached = JSON.parse(readFileSync(new URL('../dist/help.json', import.meta.url), 'utf8'));
    if (cached.version !== version) return false;
    const platform = `${process.platform}-${process.arch} node-${process.version}`;
    process.stdout.write(cached.text.split('@@PLATFORM@@').join(platform));
    return true;
  } catch {
    return false;
  }
}
