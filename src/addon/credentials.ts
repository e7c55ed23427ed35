// The CCI credentials an installed add-on runs with, from its Secret. upgrade and rollback re-render
// with them; uninstall cleans up CCI with them, so the user needs no credentials of their own.
import type { CoreV1Api } from '@kubernetes/client-node';
import { readSecretStrings } from '../kube/secrets.js';
import { CREDENTIALS_SECRET } from '../shared/names.js';
import type { AddonCredentials } from './values.js';

/** The installed credentials, or undefined when the Secret is gone. */
export async function readInstalledCredentials(
  core: CoreV1Api,
  namespace: string,
): Promise<AddonCredentials | undefined> {
  const data = await readSecretStrings(core, namespace, CREDENTIALS_SECRET);
  if (!data) return undefined;
  return { accessKey: data.accessKey ?? '', secretKey: data.secretKey ?? '' };
}
