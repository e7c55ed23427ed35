// A bench entry point bundled with the runtime's source into one plain JavaScript file, run by
// node without tsx: through tsx's loader the process would carry about 90 MiB more RSS, and start-up
// work, that are not the code measured. Bundles go to dist/bench/, as deep as dist/addon/, so that
// paths the source takes relative to its own file (package.json, manifests/) still resolve. Each
// entry is bundled once per bench process.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const bundles = new Map<string, Promise<string>>();

/** bench/NAME.ts as dist/bench/NAME.js; resolves to the bundle's path. */
export function benchBundle(name: string): Promise<string> {
  let bundle = bundles.get(name);
  if (!bundle) {
    const outfile = path.join(here, '..', 'dist', 'bench', `${name}.js`);
    bundle = build({
      entryPoints: [path.join(here, `${name}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'warning',
    }).then(() => outfile);
    bundles.set(name, bundle);
  }
  return bundle;
}
