// vkctl's runtime as its own process over the in-memory CCI (test/support/in-memory-cci.ts), started like
// `vkctl provider run --config FILE --health-port PORT` with the kubeconfig from KUBECONFIG, so the
// bench can read its CPU time and peak RSS as it does the CLI's. Stops on SIGTERM.
// Usage: in-memory-runtime CONFIG HEALTH_PORT (runtimes.ts bundles it into plain JavaScript first).
import { loadKubeConfig } from '../src/kube/kubeconfig.js';
import { loadProviderConfig } from '../src/provider/config.js';
import { jsonLogger } from '../src/provider/logger.js';
import { runProvider } from '../src/provider/run.js';
import { InMemoryCci } from '../test/support/in-memory-cci.js';

const [configFile, healthPort] = process.argv.slice(2);
if (!configFile || !healthPort) {
  console.error('usage: in-memory-runtime.ts CONFIG HEALTH_PORT');
  process.exit(2);
}
const provider = await runProvider({
  kc: loadKubeConfig({}),
  config: loadProviderConfig(configFile),
  credentials: { accessKey: '', secretKey: '' },
  address: '127.0.0.1',
  kubeletPort: 0,
  healthPort: Number(healthPort),
  log: jsonLogger('warn'),
  backend: new InMemoryCci(),
});
await new Promise<void>((resolve) => process.once('SIGTERM', resolve));
await provider.stop();
process.exit(0);
