// A bench entry point bundled with the runtime's source into one plain JavaScript file, run by
// node without tsx: through tsx's loader the process would carry about 90 MiB more RSS, and start-up
// work, that are not the code measured. Bundles go to dist/bench/, as deep as dist/addon/, so that
// paths the source takes relative to its own file (package.json, manifests/) still resolve. Each
// entry is bundled once per bench process.
//
// A runtime's bundle takes its dependencies in too, as the image's does (scripts/image/bundle.mjs):
// loaded from node_modules as some 5,000 ES modules, @kubernetes/client-node alone took 114 MiB of
// RSS and 0.8 s to import here; bundled, 66 MiB and 0.3 s. Measured the other way, the runtime
// would carry about 48 MiB that the installed one does not.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const bundles = new Map<string, Promise<string>>();

/**
 * bench/NAME.ts as dist/bench/NAME.js; resolves to the bundle's path. `dependencies: 'bundled'`
 * takes the packages in (as the image does), 'external' leaves them to node_modules.
 */
export function benchBundle(
  name: string,
  dependencies: 'bundled' | 'external' = 'external',
): Promise<string> {
  const key = `${name}:${dependencies}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    const outfile = path.join(
      here,
      '..',
      'dist',
      'bench',
      `${name}${dependencies === 'bundled' ? '' : '.external'}.js`,
    );
    bundle = build({
      entryPoints: [path.join(here, `${name}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
      // As the image's bundle (scripts/image/bundle.mjs says why): names kept, whitespace and comments not.
      keepNames: true,
      minifyWhitespace: true,
      minifySyntax: true,
      // Beside it, not named in it (so Node never reads it): profile-summary.ts places frames by it.
      sourcemap: 'external',
      ...(dependencies === 'external'
        ? { packages: 'external' as const }
        : {
            // As the image's bundle: its CommonJS dependencies require() Node's own modules, which an
            // ES module has no binding for; ws's optional native speed-ups stay out.
            banner: {
              js: "import { createRequire as __benchCreateRequire } from 'node:module';\nconst require = __benchCreateRequire(import.meta.url);",
            },
            external: ['bufferutil', 'utf-8-validate', 'typescript'],
          }),
    }).then(() => outfile);
    bundles.set(key, bundle);
  }
  return bundle;
}
