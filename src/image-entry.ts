// The entry point of the runtime image (Dockerfile, scripts/image/): esbuild bundles it, with every
// module it imports, into the one file /app/vkctl.mjs, so the image needs no node_modules.
//
// oclif normally finds commands by globbing dist/commands (or reading oclif.manifest.json), which a
// single file does not have. Its "explicit" discovery strategy is the way it supports bundling: the
// image's /app/package.json (written by scripts/image/bundle.mjs) names this file as the target and
// COMMANDS as the export, and oclif imports it to get the command classes. That import is of this
// very module: it works because nothing here awaits at the top level, so by the time oclif imports
// the file its evaluation is over and Node hands back the same module (a top-level `await execute()`
// would make that import wait for itself). With oclif kept, flags, `--help`, `--version` and exit
// codes behave exactly as in the npm package.
//
// Only the commands the image runs are here: `provider run` and `provider approver` (the add-on's
// Deployment's two containers) and `proxy`,
// `proxy wait`, `proxy stop` (the interconnect sidecar, its postStart hook and the runtime's exec).
// The lifecycle commands need the manifests/ directory and are run from the npm package instead.
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execute } from '@oclif/core';
import ProviderApprover from './commands/provider/approver.js';
import ProviderRun from './commands/provider/run.js';
import Proxy from './commands/proxy.js';
import ProxyStop from './commands/proxy/stop.js';
import ProxyWait from './commands/proxy/wait.js';

export const COMMANDS = {
  'provider:run': ProviderRun,
  'provider:approver': ProviderApprover,
  proxy: Proxy,
  'proxy:wait': ProxyWait,
  'proxy:stop': ProxyStop,
};

// Only when this file is the program (node /app/vkctl.mjs, or /usr/local/bin/vkctl, a link to it),
// not when something imports it. execute() reports errors and sets the exit code itself. No user or
// dev plugins: the image has none, and oclif would otherwise look under $HOME (which may be / or
// unreadable for the uid a pod runs as) on every start.
const program = process.argv[1];
if (program && pathToFileURL(realpathSync(program)).href === import.meta.url) {
  const root = fileURLToPath(new URL('.', import.meta.url));
  void execute({ loadOptions: { root, userPlugins: false, devPlugins: false } });
}
