// The pod's volumes and ServiceAccount token as the kubelet would provide them to the sandbox's
// runtime (installed-runtime.ts): ConfigMap, Secret and projected volumes (ConfigMaps, Secrets,
// ServiceAccount tokens, the downward API) become files inside the image's root at their mount
// paths, root's and readable as the kubelet leaves them; an emptyDir is left to installed-runtime.ts.
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CoreV1Api, V1ConfigMap, V1KeyToPath, V1Pod, V1Secret, V1Volume } from '@kubernetes/client-node';
import { waitFor } from '../wait.js';

export function fieldValue(pod: V1Pod, fieldPath: string): string {
  const values: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'status.podIP': pod.status?.podIP,
    'status.hostIP': pod.status?.hostIP,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
  };
  return values[fieldPath] ?? '';
}

/** What an optional ConfigMap or Secret that does not exist gives: an empty volume. */
const NO_CONFIGMAP: V1ConfigMap = {};
const NO_SECRET: V1Secret = {};

export type Files = Map<string, { data: Buffer; mode?: number }>;

/** A volume's files as the kubelet lays them out: every key, or the items chosen, with their modes. */
function keysToFiles(data: Record<string, Buffer>, items: V1KeyToPath[] | undefined): Files {
  const files: Files = new Map();
  if (!items) for (const [key, value] of Object.entries(data)) files.set(key, { data: value });
  for (const item of items ?? []) {
    const value = data[item.key];
    if (value) files.set(item.path, { data: value, mode: item.mode });
  }
  return files;
}

export interface PodContext {
  core: CoreV1Api;
  namespace: string;
  pod: V1Pod;
  serviceAccount: string;
}

/**
 * A token of the pod's ServiceAccount, as the kubelet requests one for a projected volume. The
 * kubelet refreshes it before it expires; the sandbox does not, so it asks for a day at least.
 */
export async function serviceAccountToken(
  ctx: PodContext,
  audience?: string,
  seconds = 3600,
): Promise<string> {
  const request = await ctx.core.createNamespacedServiceAccountToken({
    name: ctx.serviceAccount,
    namespace: ctx.namespace,
    body: { spec: { audiences: audience ? [audience] : [], expirationSeconds: Math.max(seconds, 86400) } },
  });
  return request.status?.token ?? '';
}

/** The files of a ConfigMap, Secret or projected volume; undefined for an emptyDir. */
export async function volumeFiles(ctx: PodContext, volume: V1Volume): Promise<Files | undefined> {
  const { core, namespace } = ctx;
  // Like the kubelet, wait for a ConfigMap or Secret that is not there yet, unless it is optional.
  const configMap = async (name: string, optional: boolean | undefined) => {
    const cm = await waitFor(`ConfigMap ${namespace}/${name} (volume ${volume.name})`, () =>
      core.readNamespacedConfigMap({ name, namespace }).catch((error: unknown) => {
        if (optional) return NO_CONFIGMAP;
        throw error;
      }),
    );
    return {
      ...Object.fromEntries(Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
      ...Object.fromEntries(
        Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
      ),
    };
  };
  const secret = async (name: string, optional: boolean | undefined) => {
    const found = await waitFor(`Secret ${namespace}/${name} (volume ${volume.name})`, () =>
      core.readNamespacedSecret({ name, namespace }).catch((error: unknown) => {
        if (optional) return NO_SECRET;
        throw error;
      }),
    );
    return Object.fromEntries(
      Object.entries(found.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    );
  };
  if (volume.configMap)
    return keysToFiles(
      await configMap(volume.configMap.name ?? '', volume.configMap.optional),
      volume.configMap.items,
    );
  if (volume.secret)
    return keysToFiles(
      await secret(volume.secret.secretName ?? '', volume.secret.optional),
      volume.secret.items,
    );
  if (volume.projected) {
    const files: Files = new Map();
    for (const source of volume.projected.sources ?? []) {
      let part: Files;
      if (source.configMap)
        part = keysToFiles(
          await configMap(source.configMap.name ?? '', source.configMap.optional),
          source.configMap.items,
        );
      else if (source.secret)
        part = keysToFiles(
          await secret(source.secret.name ?? '', source.secret.optional),
          source.secret.items,
        );
      else if (source.serviceAccountToken) {
        const { path: file, audience, expirationSeconds } = source.serviceAccountToken;
        part = new Map([
          [file, { data: Buffer.from(await serviceAccountToken(ctx, audience, expirationSeconds)) }],
        ]);
      } else if (source.downwardAPI)
        part = new Map(
          (source.downwardAPI.items ?? []).map((item) => [
            item.path,
            {
              data: Buffer.from(item.fieldRef ? fieldValue(ctx.pod, item.fieldRef.fieldPath) : ''),
              mode: item.mode,
            },
          ]),
        );
      else throw new Error(`the sandbox does not model a projected source of volume ${volume.name}`);
      for (const [file, content] of part) files.set(file, content);
    }
    return files;
  }
  if (volume.emptyDir) return undefined;
  throw new Error(`the sandbox does not model volume ${volume.name} (${Object.keys(volume).join(', ')})`);
}

/** Writes FILES under DIR (a path inside ROOTFS), owned by root and readable as the kubelet makes them. */
export function writeVolume(
  rootfs: string,
  dir: string,
  files: Files,
  defaultMode: number,
  fsGroup?: number,
): void {
  const local = path.join(rootfs, dir);
  mkdirSync(local, { recursive: true });
  for (const [file, { data, mode }] of files) {
    const target = path.join(local, file);
    mkdirSync(path.dirname(target), { recursive: true });
    // With an fsGroup, the kubelet gives the group the owner's read bit (as pkg/volume's SetVolumeOwnership).
    const bits = (mode ?? defaultMode) | (fsGroup !== undefined ? ((mode ?? defaultMode) & 0o400) >> 3 : 0);
    writeFileSync(target, data, { mode: bits });
    if (fsGroup !== undefined) chownSync(target, 0, fsGroup);
  }
}
