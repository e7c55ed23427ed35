// Runs the add-on's runtime from its image, exactly as its installed Deployment describes it: the
// image (npm run image) unpacked into the sandbox's state directory; the container's command and
// args; its env (values, Secret and ConfigMap keys, the pod's own fields); its ConfigMap, Secret,
// projected and emptyDir volumes written at their mount paths inside the image's root (volumes.ts);
// the ServiceAccount volume unless the pod turns it off (ca.crt, namespace, a token of its
// ServiceAccount, so the add-on's RBAC is what it runs with); readOnlyRootFilesystem; and it runs
// under chroot as the image's user (65532) unless the pod says otherwise (image.ts). Nothing is relocated: paths in args are the pod's. Its kubeconfig
// says what the in-cluster config would, and KUBERNETES_SERVICE_HOST/PORT are set as in a pod. The
// fake worker that hosts the runtime's pod gives it this machine's address, so the webhook Service
// leads here.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Container,
  type V1EnvVar,
} from '@kubernetes/client-node';
import { PROVIDER_DEPLOYMENT } from '../../../src/addon/names.js';
import { waitFor } from '../wait.js';
import { imageCommand, imageConfig, unpackImage, type BuiltImage } from './image.js';
import { fieldValue, serviceAccountToken, volumeFiles, writeVolume, type PodContext } from './volumes.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Where the sandbox puts the runtime's kubeconfig inside the image's root (no volume of the pod). */
const KUBECONFIG_PATH = '/var/run/secrets/vkctl-sandbox/kubeconfig';

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

export async function startInstalledRuntime(
  kc: KubeConfig,
  namespace: string,
  stateDir: string,
  image: BuiltImage,
): Promise<InstalledRuntime> {
  const core = kc.makeApiClient(CoreV1Api);
  const deployment = await kc
    .makeApiClient(AppsV1Api)
    .readNamespacedDeployment({ name: PROVIDER_DEPLOYMENT, namespace });
  const template = deployment.spec?.template.spec;
  const container: V1Container | undefined = template?.containers[0];
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

  const config = await imageConfig(image);
  const rootfs = await unpackImage(image, path.join(stateDir, 'runtime-image'));
  const [imageUid = 0, imageGid = imageUid] = (config.config.User ?? '0').split(':').map(Number);
  const uid = container.securityContext?.runAsUser ?? template.securityContext?.runAsUser ?? imageUid;
  const gid = container.securityContext?.runAsGroup ?? template.securityContext?.runAsGroup ?? imageGid;
  const fsGroup = template.securityContext?.fsGroup;

  // readOnlyRootFilesystem: nothing of the image's own is writable (its files are root's already;
  // /tmp and the user's home were not), only the volumes below.
  if (container.securityContext?.readOnlyRootFilesystem) {
    chmodSync(path.join(rootfs, 'tmp'), 0o755);
    chownSync(path.join(rootfs, 'home/nonroot'), 0, 0);
  }
  const serviceAccount = template.serviceAccountName ?? 'default';
  const ctx: PodContext = { core, namespace, pod, serviceAccount };
  // Outer mounts first, so that /etc/vkctl/webhook's files land over /etc/vkctl's, as mounts stack.
  const mounts = [...(container.volumeMounts ?? [])].sort((a, b) => a.mountPath.length - b.mountPath.length);
  for (const mount of mounts) {
    const volume = template.volumes?.find((v) => v.name === mount.name);
    if (!volume) throw new Error(`volume ${mount.name} is mounted but not in the pod`);
    const files = await volumeFiles(ctx, volume);
    const defaultMode =
      volume.secret?.defaultMode ?? volume.configMap?.defaultMode ?? volume.projected?.defaultMode ?? 0o644;
    if (!files) {
      // An emptyDir: writable by anyone, as the kubelet makes it.
      mkdirSync(path.join(rootfs, mount.mountPath), { recursive: true });
      chmodSync(path.join(rootfs, mount.mountPath), 0o777);
    } else if (mount.subPath) {
      const file = files.get(mount.subPath);
      if (file)
        writeVolume(
          rootfs,
          path.dirname(mount.mountPath),
          new Map([[path.basename(mount.mountPath), file]]),
          defaultMode,
          fsGroup,
        );
    } else writeVolume(rootfs, mount.mountPath, files, defaultMode, fsGroup);
  }

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
  for (const source of container.envFrom ?? []) {
    const data = source.secretRef
      ? Object.fromEntries(
          Object.entries(
            (await core.readNamespacedSecret({ name: source.secretRef.name ?? '', namespace })).data ?? {},
          ).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        )
      : ((await core.readNamespacedConfigMap({ name: source.configMapRef?.name ?? '', namespace })).data ??
        {});
    for (const [key, value] of Object.entries(data)) env[`${source.prefix ?? ''}${key}`] = value;
  }
  for (const variable of container.env ?? []) env[variable.name] = await resolve(variable);

  // The ServiceAccount volume, unless the pod or its ServiceAccount turns it off
  // (automountServiceAccountToken: false), and a kubeconfig that says what the in-cluster config
  // would: the API server, its CA, a token of the ServiceAccount.
  const token = await serviceAccountToken(ctx);
  const cluster = kc.getCurrentCluster();
  const account = await core
    .readNamespacedServiceAccount({ name: serviceAccount, namespace })
    .catch(() => undefined);
  if (template.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true)
    writeVolume(
      rootfs,
      SERVICE_ACCOUNT_DIR,
      new Map([
        ['ca.crt', { data: Buffer.from(cluster?.caData ?? '', 'base64') }],
        ['namespace', { data: Buffer.from(namespace) }],
        ['token', { data: Buffer.from(token) }],
      ]),
      0o644,
    );
  mkdirSync(path.join(rootfs, path.dirname(KUBECONFIG_PATH)), { recursive: true });
  writeFileSync(
    path.join(rootfs, KUBECONFIG_PATH),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'in-cluster',
          cluster: { server: cluster?.server, 'certificate-authority-data': cluster?.caData },
        },
      ],
      users: [{ name: serviceAccount, user: { token } }],
      contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: serviceAccount } }],
      'current-context': 'in-cluster',
    }),
    { mode: 0o600 },
  );
  chownSync(path.join(rootfs, KUBECONFIG_PATH), uid, gid);
  // The kubelet's service environment for the default/kubernetes Service: the runtime falls back
  // to it (with the ServiceAccount files above) when it has no KUBECONFIG.
  const server = new URL(cluster?.server ?? 'https://127.0.0.1');
  env.KUBERNETES_SERVICE_HOST = server.hostname.replace(/^\[(.*)\]$/, '$1');
  env.KUBERNETES_SERVICE_PORT = server.port || '443';

  for (const port of container.ports ?? []) await assertPortFree(port.containerPort, port.name ?? 'port');
  const logPath = path.join(stateDir, 'runtime.log');
  const log = openSync(logPath, 'a');
  const run = imageCommand(
    config,
    rootfs,
    container.args ?? (container.command ? [] : (config.config.Cmd ?? [])),
    {
      command: container.command,
      user: `${uid}:${gid}`,
      env: { ...env, KUBECONFIG: KUBECONFIG_PATH },
    },
  );
  const child = spawn(run.command, run.args, { stdio: ['ignore', log, log], detached: true });
  child.unref();
  return { pid: child.pid ?? 0, logPath, pod: pod.metadata?.name ?? '' };
}
