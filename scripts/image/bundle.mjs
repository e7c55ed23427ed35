// Bundles the runtime image's program: src/image-entry.ts and everything it imports, production
// dependencies included, into one ES module, so the image carries no node_modules tree (and so no
// dev dependency, no package manager, no install step). Usage: node scripts/image/bundle.mjs APPDIR
// Writes APPDIR/vkctl.mjs and APPDIR/package.json (oclif's settings and the version). Used by
// build.sh and, the same way, by the Dockerfile.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = path.resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: node scripts/image/bundle.mjs APPDIR');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const entry = path.join(root, 'src/image-entry.ts');

// Two things source modules do that a single file must undo:
// - They find files beside the package by import.meta.url: src/shared/catalog.ts reads
//   ../../package.json for the version. In one bundle every module would see the bundle's URL, and
//   /app/vkctl.mjs + '../../package.json' is /package.json. So each source module (the entry aside,
//   which oclif must find by its real URL) gets the URL its compiled file would have beside the
//   bundle, APPDIR/dist/<path>.js, as in the npm package: its relative paths resolve inside APPDIR.
// - Some load a dependency lazily with `const require = createRequire(import.meta.url)` (yaml in
//   src/cloud/config.ts, spdy-transport's dictionary in src/provider/kubelet/spdy.ts); esbuild cannot
//   see through that and the image has no node_modules. Without the line, `require('x')` is the
//   plain require() that esbuild bundles (and still runs the module on first use, not at start).
const CREATE_REQUIRE = 'const require = createRequire(import.meta.url);';
const forOneFile = {
  name: 'vkctl-one-file',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      if (args.path === entry || !source.includes('import.meta')) return undefined;
      if (source.includes('createRequire(') && !source.includes(CREATE_REQUIRE))
        throw new Error(`${args.path}: createRequire is used other than as "${CREATE_REQUIRE}"`);
      source = source.replace(CREATE_REQUIRE, '');
      const compiled = path.relative(path.join(root, 'src'), args.path).replace(/\.ts$/, '.js');
      const url = `new URL(${JSON.stringify(`./dist/${compiled.split(path.sep).join('/')}`)}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

rmSync(appDir, { recursive: true, force: true });
mkdirSync(appDir, { recursive: true });
const result = await esbuild.build({
  entryPoints: [entry],
  absWorkingDir: root,
  outfile: path.join(appDir, 'vkctl.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Node's own modules stay imports. The CommonJS dependencies (oclif among them) call require() for
  // built-ins, which an ES module has no binding for: give the bundle one. The shebang lets
  // /usr/local/bin/vkctl (a link to the bundle) be exec'd without a shell: the proxy's postStart hook
  // and the runtime's `vkctl proxy stop` exec "vkctl" by name.
  banner: {
    js: [
      '#!/usr/bin/node',
      "import { createRequire as __vkctlCreateRequire } from 'node:module';",
      'const require = __vkctlCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  // Left out, each required in a try/catch with a fallback: ws's optional native speed-ups, and
  // the TypeScript compiler, which oclif loads only to read a tsconfig.json (the image has none).
  external: ['bufferutil', 'utf-8-validate', 'typescript'],
  plugins: [forOneFile],
  // Names kept readable: a stack trace from the runtime's log should name functions as the source
  // does, so identifiers are not minified. Whitespace and comments are: V8 keeps a script's whole
  // source in the heap, and one character above U+00FF in a comment (a dependency's "—" or "“")
  // makes it a two-byte string, 13 MiB of heap for this 6.5 MB bundle; minified it is under 3.5 MB
  // of one-byte string (docs/benchmarks.md, "The cuts of the second session"). Checked below.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});
chmodSync(path.join(appDir, 'vkctl.mjs'), 0o755);

// esbuild escapes what strings and identifiers hold (charset ascii), and minifying drops comments but
// the legal ones: a character above U+00FF left in one would make V8 hold the source as two bytes a
// character again. Refused here rather than found in a benchmark.
const wide = /[\u0100-\u{10ffff}]/u.exec(readFileSync(path.join(appDir, 'vkctl.mjs'), 'utf8'));
if (wide) {
  console.error(
    `bundle.mjs: the bundle holds U+${wide[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0')} at offset ${wide.index}: V8 would keep its source as a two-byte string (twice the heap)`,
  );
  process.exit(1);
}

// No dev dependency may reach the image: every package in the bundle must be one that
// `npm ci --omit=dev` installs (package-lock.json marks the others "dev": true).
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const bundled = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  // "node_modules/a/node_modules/@b/c/lib/x.js" -> "node_modules/a/node_modules/@b/c", the lock's key
  // (from the first node_modules/: a node_modules linked from elsewhere has a longer path before it).
  const first = input.indexOf('node_modules/');
  const last = input.lastIndexOf('node_modules/');
  if (first < 0) continue;
  const rest = input.slice(last + 'node_modules/'.length).split('/');
  const name = rest.slice(0, rest[0]?.startsWith('@') ? 2 : 1).join('/');
  bundled.add(`${input.slice(first, last)}node_modules/${name}`);
}
const dev = [...bundled].filter((p) => lock.packages[p]?.dev === true || !lock.packages[p]);
if (dev.length > 0) {
  console.error(`bundle: dev or unlisted dependencies would be in the image: ${dev.join(', ')}`);
  process.exit(1);
}

// What oclif reads at start (Config.load): the name, the version (also `vkctl --version` and the
// runtime's own version, src/shared/catalog.ts), and the package's oclif settings with the commands
// found through the explicit strategy in the bundle itself (src/image-entry.ts says why). No help
// plugin: oclif's built-in help serves --help.
const oclif = { ...pkg.oclif };
delete oclif.plugins;
delete oclif.commands;
const imagePackage = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  license: pkg.license,
  type: 'module',
  oclif: { ...oclif, commands: { strategy: 'explicit', target: './vkctl.mjs', identifier: 'COMMANDS' } },
};
writeFileSync(path.join(appDir, 'package.json'), `${JSON.stringify(imagePackage, null, 2)}\n`);

const size = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
console.log(
  `bundle: ${path.relative(root, path.join(appDir, 'vkctl.mjs'))} ${(size / 1e6).toFixed(1)} MB from ` +
    `${bundled.size} packages`,
);
