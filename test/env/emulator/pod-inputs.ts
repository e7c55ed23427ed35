// What a CCI pod needs from its namespace before its containers start, as a kubelet needs it: the
// ConfigMaps and Secrets its volumes and env refer to (missing and not optional: the pod waits,
// with a FailedMount event), and each container's environment, resolved from them.
import type { CoreV1Api, V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';

export interface PodInputs {
  /** What is missing, as a kubelet would word it; empty when the pod can start. */
  missing: string[];
  env: Map<string, Record<string, string>>;
}

const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8');

type DataReader = (kind: 'configmap' | 'secret', name: string) => Promise<Record<string, string> | undefined>;

/** Reads ConfigMaps' and Secrets' data (Secrets decoded) in a namespace, each once. */
function dataReader(core: CoreV1Api, namespace: string): DataReader {
  const cache = new Map<string, Record<string, string> | undefined>();
  return async (kind, name) => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) {
      const data = await (
        kind === 'configmap'
          ? core.readNamespacedConfigMap({ name, namespace }).then((c: V1ConfigMap) => c.data ?? {})
          : core
              .readNamespacedSecret({ name, namespace })
              .then((s: V1Secret) =>
                Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, decode(v)])),
              )
      ).catch(() => undefined);
      cache.set(key, data);
    }
    return cache.get(key);
  };
}

export async function resolvePodInputs(core: CoreV1Api, pod: V1Pod): Promise<PodInputs> {
  const namespace = pod.metadata?.namespace ?? '';
  const read = dataReader(core, namespace);
  const missing: string[] = [];
  for (const volume of pod.spec?.volumes ?? []) {
    if (
      volume.configMap?.name &&
      !volume.configMap.optional &&
      !(await read('configmap', volume.configMap.name))
    )
      missing.push(
        `MountVolume.SetUp failed for volume "${volume.name}" : configmap "${volume.configMap.name}" not found`,
      );
    if (
      volume.secret?.secretName &&
      !volume.secret.optional &&
      !(await read('secret', volume.secret.secretName))
    )
      missing.push(
        `MountVolume.SetUp failed for volume "${volume.name}" : secret "${volume.secret.secretName}" not found`,
      );
  }
  const env = new Map<string, Record<string, string>>();
  const containers: V1Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const container of containers) {
    const values: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      const ref = source.configMapRef ?? source.secretRef;
      const data = ref?.name ? await read(source.configMapRef ? 'configmap' : 'secret', ref.name) : undefined;
      if (!data && ref?.name && !ref.optional)
        missing.push(`${source.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
      for (const [k, v] of Object.entries(data ?? {})) values[`${source.prefix ?? ''}${k}`] = v;
    }
    for (const variable of container.env ?? []) {
      const keyRef = variable.valueFrom?.configMapKeyRef ?? variable.valueFrom?.secretKeyRef;
      if (!keyRef) {
        values[variable.name] = variable.value ?? '';
        continue;
      }
      const kind = variable.valueFrom?.configMapKeyRef ? 'configmap' : 'secret';
      const value = (await read(kind, keyRef.name ?? ''))?.[keyRef.key];
      if (value === undefined && !keyRef.optional)
        missing.push(`couldn't find key ${keyRef.key} in ${kind} ${namespace}/${keyRef.name}`);
      if (value !== undefined) values[variable.name] = value;
    }
    env.set(container.name, values);
  }
  return { missing, env };
}

/** A file as a container sees it in a ConfigMap or Secret volume (whole-volume or `items` mounts). */
export async function readMountedFile(
  core: CoreV1Api,
  pod: V1Pod,
  containerName: string,
  path: string,
): Promise<string | undefined> {
  const container = pod.spec?.containers.find((c) => c.name === containerName);
  const read = dataReader(core, pod.metadata?.namespace ?? '');
  for (const mount of container?.volumeMounts ?? []) {
    const prefix = `${mount.mountPath.replace(/\/$/, '')}/`;
    if (!path.startsWith(prefix)) continue;
    const volume = pod.spec?.volumes?.find((v) => v.name === mount.name);
    const source = volume?.configMap ?? volume?.secret;
    const name = volume?.configMap?.name ?? volume?.secret?.secretName;
    if (!source || !name) continue;
    const data = await read(volume?.configMap ? 'configmap' : 'secret', name);
    const relative = path.slice(prefix.length);
    const key = source.items ? source.items.find((item) => item.path === relative)?.key : relative;
    if (key !== undefined && data?.[key] !== undefined) return data[key];
  }
  return undefined;
}
