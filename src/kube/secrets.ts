// A Secret's data as text, for the add-on's own Secrets (credentials, certificates). A Secret that
// does not exist is undefined; any other failure (403, no answer) is an error, not "missing".
import type { CoreV1Api } from '@kubernetes/client-node';
import { isNotFound } from './errors.js';

export async function readSecretStrings(
  core: CoreV1Api,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const secret = await core.readNamespacedSecret({ name, namespace }).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!secret) return undefined;
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString('utf8'),
    ]),
  );
}
