// Server-side apply of arbitrary objects with a fixed field manager, and deletion that tolerates
// objects already gone. KubernetesObjectApi mutates what it is given, so objects are cloned first.
import {
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { isNotFound } from './errors.js';

export const FIELD_MANAGER = 'vkctl';

export class Applier {
  private readonly client: KubernetesObjectApi;

  constructor(kc: KubeConfig) {
    this.client = KubernetesObjectApi.makeApiClient(kc);
  }

  /** Applies one object; with dryRun the server validates and admits it but stores nothing. */
  apply(
    object: KubernetesObject,
    options: { dryRun?: boolean; force?: boolean } = {},
  ): Promise<KubernetesObject> {
    return this.client.patch(
      structuredClone(object),
      undefined,
      options.dryRun ? 'All' : undefined,
      FIELD_MANAGER,
      options.force ?? true,
      PatchStrategy.ServerSideApply,
    );
  }

  async read(object: KubernetesObject): Promise<KubernetesObject | undefined> {
    try {
      return await this.client.read(
        structuredClone(object) as KubernetesObject & { metadata: { name: string } },
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Deletes an object (foreground, so its dependents go first); false when it was already gone. */
  async delete(object: KubernetesObject): Promise<boolean> {
    try {
      await this.client.delete(
        structuredClone(object),
        undefined,
        undefined,
        undefined,
        undefined,
        'Foreground',
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
