// The sandbox's long-lived part, started in the background by `npm run sandbox`: the control plane
// (kube-apiserver, etcd, scheduler, controller-manager), the Huawei Cloud emulator and two small
// fake worker nodes. It writes what vkctl needs to reach them to STATE_DIR/environment.json and
// runs until SIGTERM (`npm run sandbox:down`), which stops every process it started.
//   tsx test/env/sandbox/daemon.ts STATE_DIR
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestEnvironment, vkctlEnvironment } from '../environment.js';
import { SANDBOX_WORKERS, type SandboxEnvironment } from './state.js';

const stateDir = process.argv[2];
if (!stateDir) {
  console.error('usage: daemon.ts STATE_DIR');
  process.exit(2);
}
const env = await TestEnvironment.start();
await env.addNodes({
  prefix: 'sandbox-worker',
  count: SANDBOX_WORKERS.count,
  cpu: SANDBOX_WORKERS.cpu,
  memory: SANDBOX_WORKERS.memory,
  hostProcessPodLabels: { 'app.kubernetes.io/name': 'vkctl-provider' },
});
const kubeconfig = path.join(stateDir, 'kubeconfig');
copyFileSync(env.controlPlane.cluster.adminKubeconfigPath, kubeconfig);
const environment: SandboxEnvironment = {
  pid: process.pid,
  kubeconfig,
  vkctlEnv: { ...vkctlEnvironment(env), KUBECONFIG: kubeconfig },
};
writeFileSync(path.join(stateDir, 'environment.json'), JSON.stringify(environment, null, 2), { mode: 0o600 });
console.log(`sandbox environment up (pid ${process.pid})`);
// processes.ts stops every child on SIGTERM/SIGINT; this keeps the event loop alive until then.
setInterval(() => undefined, 1 << 30);
