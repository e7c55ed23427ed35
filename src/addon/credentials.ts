// The CCI credentials an installed add-on runs with, from its Secret. upgrade and rollback re-render
// with them; uninstall cleans up CCI with them, so the user needs no credentials of their own.
import type { CoreV1Api } from '@kubernetes/client-node';
import { CREDENTIALS_SECRET } from './names.js';
import type { AddonCredentials } from './values.js';

/** The installed credentials, or undefined when the Secret is gone. */
export async function readInstalledCredentials(
  core: CoreV1Api,
  namespace: string,
): Promise<AddonCredentials | undefined> {
  const secret = await core
    .readNamespacedSecret({ name: CREDENTIALS_SECRET, namespace })
    .catch(() => undefined);
  if (!secret) return undefined;
  const read = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
  return { accessKey: read('accessKey'), secretKey: read('secretKey') };
}
