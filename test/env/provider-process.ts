// The runtime as its own process, started the way the installed Deployment starts it
// (`vkctl provider run --config FILE` over the built CLI), so that tests can kill it as a node or
// OOM would (SIGKILL) and start it again.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ProviderConfig } from '../../src/provider/config.js';
import { freePort, ManagedProcess, removeOnExit } from './processes.js';

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface ProviderProcess {
  process: ManagedProcess;
  healthPort: number;
}

/** Starts `vkctl provider run` and waits until /readyz answers 200. */
export async function spawnProvider(
  config: ProviderConfig,
  env: Record<string, string>,
  logLevel: 'debug' | 'info' | 'warn' | 'error' = 'debug',
): Promise<ProviderProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-provider-'));
  removeOnExit(dir);
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const healthPort = await freePort();
  const child = ManagedProcess.spawn(
    'vkctl provider run',
    process.execPath,
    [
      bin,
      'provider',
      'run',
      '--config',
      configFile,
      '--health-port',
      String(healthPort),
      '--webhook-cert-dir',
      path.join(dir, 'no-webhook'),
      '--log-level',
      logLevel,
    ],
    path.join(dir, 'provider.log'),
    env,
  );
  await child.waitUntil(
    async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
    60_000,
    'ready',
  );
  return { process: child, healthPort };
}
