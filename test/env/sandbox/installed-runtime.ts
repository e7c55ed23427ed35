// Runs the add-on's runtime on this machine exactly as its installed Deployment describes it: the
// container's args, its env (values, Secret and ConfigMap keys, the pod's own fields), its
// ConfigMap and Secret volumes written out as files, and a token of its ServiceAccount (so the
// add-on's RBAC is what it gets). The only change is where things live: mount paths are moved
// under a local root, and the kubeconfig says what the in-cluster config would. The fake worker
// that hosts the runtime's pod gives it this machine's address, so the webhook Service leads here.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1EnvVar, type V1Pod } from '@kubernetes/client-node';
import { PROVIDER_DEPLOYMENT } from '../../../src/addon/names.js';
import { waitFor } from '../wait.js';

const bin = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

export interface InstalledRuntime {
  pid: number;
  logPath: string;
  pod: string;
}

async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () =>
      reject(new Error(`port ${port} (the runtime's ${what}) is in use on this machine; free it and retry`)),
    );
    server.listen(port, '0.0.0.0', () => server.close(() => resolve()));
  });
}

function fieldValue(pod: V1Pod, fieldPath: string): string {
  const values: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'status.podIP': pod.status?.podIP,
    'spec.nodeName': pod.spec?.nodeName,
  };
  return values[fieldPath] ?? '';
}

export async function startInstalledRuntime(
  kc: KubeConfig,
  namespace: string,
  stateDir: string,
): Promise<InstalledRuntime> {
  const core = kc.makeApiClient(CoreV1Api);
  const deployment = await kc
    .makeApiClient(AppsV1Api)
    .readNamespacedDeployment({ name: PROVIDER_DEPLOYMENT, namespace });
  const template = deployment.spec?.template.spec;
  const container = template?.containers[0];
  if (!template || !container)
    throw new Error(`deployment ${namespace}/${PROVIDER_DEPLOYMENT} has no container`);
  const selector = Object.entries(deployment.spec?.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  // The pod the fake worker "runs": its name and IP are what the runtime's env takes from the pod.
  const pod = await waitFor('the runtime’s pod to be scheduled and running', async () =>
    (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.find(
      (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp,
    ),
  );

  const root = path.join(stateDir, 'runtime-root');
  const mounts: [string, string][] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = template.volumes?.find((v) => v.name === mount.name);
    let files: Record<string, string> = {};
    if (volume?.configMap?.name) {
      const cm = await core.readNamespacedConfigMap({ name: volume.configMap.name, namespace });
      files = cm.data ?? {};
    } else if (volume?.secret?.secretName) {
      const secret = await core.readNamespacedSecret({ name: volume.secret.secretName, namespace });
      files = Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    } else continue;
    const local = path.join(root, mount.mountPath);
    mkdirSync(local, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(path.join(local, file), content);
    mounts.push([mount.mountPath, local]);
  }
  // The ServiceAccount volume every pod gets: its CA file is the cluster's (the token goes into
  // the kubeconfig below).
  const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';
  const localServiceAccount = path.join(root, serviceAccountDir);
  mkdirSync(localServiceAccount, { recursive: true });
  writeFileSync(
    path.join(localServiceAccount, 'ca.crt'),
    Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString('utf8'),
  );
  mounts.push([serviceAccountDir, localServiceAccount]);
  // Longest mount first, so /etc/vkctl/webhook is not taken for a file under /etc/vkctl.
  mounts.sort((a, b) => b[0].length - a[0].length);
  const relocate = (arg: string) => {
    for (const [mountPath, local] of mounts) {
      const at = arg.indexOf(mountPath);
      if (at >= 0 && (at === 0 || arg[at - 1] === '='))
        return arg.slice(0, at) + local + arg.slice(at + mountPath.length);
    }
    return arg;
  };

  const env: Record<string, string> = {};
  const resolve = async (variable: V1EnvVar): Promise<string> => {
    const from = variable.valueFrom;
    if (from?.secretKeyRef) {
      const secret = await core.readNamespacedSecret({ name: from.secretKeyRef.name ?? '', namespace });
      return Buffer.from(secret.data?.[from.secretKeyRef.key] ?? '', 'base64').toString('utf8');
    }
    if (from?.configMapKeyRef) {
      const cm = await core.readNamespacedConfigMap({ name: from.configMapKeyRef.name ?? '', namespace });
      return cm.data?.[from.configMapKeyRef.key] ?? '';
    }
    if (from?.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath);
    return variable.value ?? '';
  };
  for (const variable of container.env ?? []) env[variable.name] = await resolve(variable);

  // What the in-cluster config would give it: the API server, its CA, a ServiceAccount token.
  const serviceAccount = template.serviceAccountName ?? 'default';
  const token = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const cluster = kc.getCurrentCluster();
  const kubeconfig = path.join(root, 'serviceaccount.kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'in-cluster',
          cluster: { server: cluster?.server, 'certificate-authority-data': cluster?.caData },
        },
      ],
      users: [{ name: serviceAccount, user: { token: token.status?.token } }],
      contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: serviceAccount } }],
      'current-context': 'in-cluster',
    }),
    { mode: 0o600 },
  );

  for (const port of container.ports ?? []) await assertPortFree(port.containerPort, port.name ?? 'port');
  const logPath = path.join(stateDir, 'runtime.log');
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [bin, ...(container.args ?? []).map(relocate)], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', log, log],
    detached: true,
  });
  child.unref();
  return { pid: child.pid ?? 0, logPath, pod: pod.metadata?.name ?? '' };
}
