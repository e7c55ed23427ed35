// The Huawei Cloud emulator as its own process, so that the side-by-side bench can read its CPU time
// apart from the runtime's and from the bench's own (in the test environment it runs inside the
// mocha or bench process). It serves against the control plane's CCI apiserver, given as an admin
// kubeconfig file, prints one JSON line ({scenario, endpoints}) once it serves, and stops on SIGTERM.
// Usage: emulator-process CCI_KUBECONFIG (separate-emulator.ts bundles it into plain JavaScript).
import { KubeConfig } from '@kubernetes/client-node';
import { HuaweiCloudEmulator } from '../test/env/emulator/server.js';

const [kubeconfig] = process.argv.slice(2);
if (!kubeconfig) {
  console.error('usage: emulator-process.ts CCI_KUBECONFIG');
  process.exit(2);
}
const cciKubeConfig = new KubeConfig();
cciKubeConfig.loadFromFile(kubeconfig);
const emulator = await HuaweiCloudEmulator.start({ cciKubeConfig });
process.stdout.write(`${JSON.stringify({ scenario: emulator.scenario, endpoints: emulator.endpoints })}\n`);
await new Promise<void>((resolve) => process.once('SIGTERM', resolve));
await emulator.stop();
process.exit(0);
