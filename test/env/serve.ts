// Starts the test environment (control plane + Huawei Cloud emulator) and keeps it running until
// interrupted, writing a shell file with the settings vkctl needs to talk to it:
//   npx tsx test/env/serve.ts [ENV_FILE]   then   . ENV_FILE && vkctl doctor --pre
import { writeFileSync } from 'node:fs';
import { sharedTestEnvironment, stopSharedTestEnvironment } from './environment.js';

export function vkctlEnvironment(
  env: Awaited<ReturnType<typeof sharedTestEnvironment>>,
): Record<string, string> {
  const s = env.emulator.scenario;
  const e = env.emulator.endpoints;
  return {
    KUBECONFIG: env.controlPlane.cluster.adminKubeconfigPath,
    HUAWEICLOUD_SDK_AK: s.accessKey,
    HUAWEICLOUD_SDK_SK: s.secretKey,
    HUAWEICLOUD_SDK_REGION: s.region,
    VKCTL_CLUSTER_ID: s.clusterId,
    VKCTL_IAM_ENDPOINT: e.iam,
    VKCTL_CCE_ENDPOINT: e.cce,
    VKCTL_VPC_ENDPOINT: e.vpc,
    VKCTL_CCI_ENDPOINT: e.cci,
    // Never read a developer's own config file while pointed at the emulator.
    VKCTL_CONFIG: '/dev/null',
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? 'vkctl-test.env';
  const env = await sharedTestEnvironment();
  const vars = vkctlEnvironment(env);
  writeFileSync(
    file,
    Object.entries(vars)
      .map(([k, v]) => `export ${k}='${v}'\n`)
      .join(''),
    { mode: 0o600 },
  );
  console.log(`test environment running; settings in ${file} (source it). Ctrl-C stops it.`);
  const stop = () => void stopSharedTestEnvironment().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  setInterval(() => undefined, 1 << 30);
}
