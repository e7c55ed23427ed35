// Runs the add-on's runtime pod from its image, exactly as its installed Deployment describes it,
// each container on its own: the image (npm run image) unpacked into the sandbox's state directory
// once per container; the container's command and args; its env (values, Secret and ConfigMap keys,
// the pod's own fields); its ConfigMap, Secret and projected volumes written at its own mount paths
// inside its image root (volumes.ts), and the pod's emptyDirs as directories of this machine
// bind-mounted into every container that mounts them (read-only where the mount says so); the
// ServiceAccount volume unless the pod turns it off (ca.crt, namespace, a token of its
// ServiceAccount); readOnlyRootFilesystem; and it runs under chroot as the image's user (65532)
// unless the pod says otherwise (image.ts). Nothing is relocated: paths in args are the pod's. A
// container with the ServiceAccount directory (the approver's projected volume) uses the in-cluster
// config from it, as in a pod; one without gets a kubeconfig naming only the cluster (no
// credentials), and KUBERNETES_SERVICE_HOST/PORT are set as in a pod. The fake worker that hosts
// the runtime's pod gives it this machine's address, so the webhook Service leads here.
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
  type V1PodSpec,
} from '@kubernetes/client-node';
import { PROVIDER_DEPLOYMENT } from '../../../src/shared/names.js';
import { waitFor } from '../wait.js';
import { imageCommand, imageConfig, unpackImage, type BuiltImage } from './image.js';
import { fieldValue, serviceAccountToken, volumeFiles, writeVolume, type PodContext } from './volumes.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Where the sandbox puts the runtime's kubeconfig inside the image's root (no volume of the pod). */
const KUBECONFIG_PATH = '/var/run/secrets/vkctl-sandbox/kubeconfig';

export interface InstalledRuntime {
  /** The first container's (the runtime's). */
  pid: number;
  logPath: string;
  /** Every container's pid, by name. */
  pids: Record<string, number>;
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
  if (!template?.containers[0])
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
  const serviceAccount = template.serviceAccountName ?? 'default';
  const ctx: PodContext = { core, namespace, pod, serviceAccount };
  // The pod's emptyDirs, shared by its containers: writable by anyone, as the kubelet makes them.
  const emptyDirs = new Map<string, string>();
  for (const volume of template.volumes ?? [])
    if (volume.emptyDir) {
      const dir = path.join(stateDir, 'pod-volumes', volume.name);
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      emptyDirs.set(volume.name, dir);
    }
  const pids: Record<string, number> = {};
  let first: { pid: number; logPath: string } | undefined;
  for (const [index, container] of template.containers.entries()) {
    const started = await startContainer(kc, ctx, template, container, emptyDirs, {
      rootDir: path.join(stateDir, index === 0 ? 'runtime-image' : `${container.name}-image`),
      logPath: path.join(stateDir, index === 0 ? 'runtime.log' : `${container.name}.log`),
      image,
    });
    pids[container.name] = started.pid;
    first ??= started;
  }
  return { pid: first?.pid ?? 0, logPath: first?.logPath ?? '', pids, pod: pod.metadata?.name ?? '' };
}

async function startContainer(
  kc: KubeConfig,
  ctx: PodContext,
  template: V1PodSpec,
  container: V1Container,
  emptyDirs: Map<string, string>,
  where: { rootDir: string; logPath: string; image: BuiltImage },
): Promise<{ pid: number; logPath: string }> {
  const { core, namespace, pod, serviceAccount } = ctx;
  const config = await imageConfig(where.image);
  const rootfs = await unpackImage(where.image, where.rootDir);
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
  const binds: { source: string; target: string; readOnly?: boolean }[] = [];
  // Outer mounts first, so that /etc/vkctl/webhook's files land over /etc/vkctl's, as mounts stack.
  const mounts = [...(container.volumeMounts ?? [])].sort((a, b) => a.mountPath.length - b.mountPath.length);
  for (const mount of mounts) {
    const volume = template.volumes?.find((v) => v.name === mount.name);
    if (!volume) throw new Error(`volume ${mount.name} is mounted but not in the pod`);
    const shared = emptyDirs.get(mount.name);
    if (shared) {
      mkdirSync(path.join(rootfs, mount.mountPath), { recursive: true });
      binds.push({ source: shared, target: mount.mountPath, readOnly: mount.readOnly });
      continue;
    }
    const files = await volumeFiles(ctx, volume);
    const defaultMode =
      volume.secret?.defaultMode ?? volume.configMap?.defaultMode ?? volume.projected?.defaultMode ?? 0o644;
    if (!files) throw new Error(`the sandbox does not model volume ${mount.name}`);
    if (mount.subPath) {
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
  // (automountServiceAccountToken: false). A container that has it (so, or by mounting a projected
  // token there, as the approver does) uses the in-cluster config; one without gets a kubeconfig
  // with the cluster only: what it does with no credentials of its own.
  const cluster = kc.getCurrentCluster();
  const account = await core
    .readNamespacedServiceAccount({ name: serviceAccount, namespace })
    .catch(() => undefined);
  const automount = template.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
  if (automount)
    writeVolume(
      rootfs,
      SERVICE_ACCOUNT_DIR,
      new Map([
        ['ca.crt', { data: Buffer.from(cluster?.caData ?? '', 'base64') }],
        ['namespace', { data: Buffer.from(namespace) }],
        ['token', { data: Buffer.from(await serviceAccountToken(ctx)) }],
      ]),
      0o644,
    );
  const inCluster = automount || mounts.some((m) => m.mountPath === SERVICE_ACCOUNT_DIR);
  if (!inCluster) {
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
        users: [{ name: 'nobody', user: {} }],
        contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'nobody' } }],
        'current-context': 'in-cluster',
      }),
      { mode: 0o600 },
    );
    chownSync(path.join(rootfs, KUBECONFIG_PATH), uid, gid);
  }
  // The kubelet's service environment for the default/kubernetes Service: what the in-cluster
  // config reads.
  const server = new URL(cluster?.server ?? 'https://127.0.0.1');
  env.KUBERNETES_SERVICE_HOST = server.hostname.replace(/^\[(.*)\]$/, '$1');
  env.KUBERNETES_SERVICE_PORT = server.port || '443';

  for (const port of container.ports ?? []) await assertPortFree(port.containerPort, port.name ?? 'port');
  const log = openSync(where.logPath, 'a');
  const run = imageCommand(
    config,
    rootfs,
    container.args ?? (container.command ? [] : (config.config.Cmd ?? [])),
    {
      command: container.command,
      user: `${uid}:${gid}`,
      env: inCluster ? env : { ...env, KUBECONFIG: KUBECONFIG_PATH },
      binds,
    },
  );
  const child = spawn(run.command, run.args, { stdio: ['ignore', log, log], detached: true });
  child.unref();
  return { pid: child.pid ?? 0, logPath: where.logPath };
}
