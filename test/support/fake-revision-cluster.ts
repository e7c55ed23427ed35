// A cluster for the lifecycle actions' unit tests (addon/revision-cluster.ts): it records what it
// is asked to apply and fails when told to, as helm's fake kube client does for its actions.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectChange } from '../../src/addon/plan-changes.js';
import type { ObjectRef } from '../../src/addon/render.js';
import type { RevisionCluster } from '../../src/addon/revision-cluster.js';
import { WaitTimeoutError } from '../../src/addon/wait.js';

/** A cluster that records what it is asked to apply, and fails when told to. */
export class FakeCluster implements RevisionCluster {
  readonly deploys: { version: string; replicas: unknown; previous: readonly ObjectRef[] }[] = [];
  failDeploys = 0;
  notReady = false;
  gitVersion = 'v1.31.2';
  /** Names of the objects a dry run had the apiserver validate. */
  readonly validated: string[] = [];
  /** Another install's namespace, when the test puts one in the cluster. */
  otherInstall: string | undefined;

  render(version: string, values: { replicas?: number }): Promise<KubernetesObject[]> {
    return Promise.resolve([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: 'vkctl-provider',
          namespace: 'ns',
          labels: { version, replicas: String(values.replicas) },
        },
      },
    ]);
  }
  deploy(objects: KubernetesObject[], previous: readonly ObjectRef[]): Promise<void> {
    const labels = objects[0]?.metadata?.labels ?? {};
    if (this.failDeploys > 0) {
      this.failDeploys--;
      return Promise.reject(new Error('the apiserver refused the Deployment'));
    }
    this.deploys.push({ version: labels.version ?? '', replicas: labels.replicas, previous });
    return Promise.resolve();
  }
  waitReady(): Promise<void> {
    return this.notReady
      ? Promise.reject(new WaitTimeoutError('runtime not available after 1 s'))
      : Promise.resolve();
  }
  /** Every object planned is a change, named with the replicas it would set. */
  plan(objects: KubernetesObject[]): Promise<ObjectChange[]> {
    return Promise.resolve(
      objects.map((o) => ({
        object: `${o.kind}/${o.metadata?.name} replicas=${o.metadata?.labels?.replicas}`,
        change: 'change',
      })),
    );
  }
  kubernetesVersion(): Promise<string> {
    return Promise.resolve(this.gitVersion);
  }
  nodeCredentialsDue(): Promise<boolean> {
    return Promise.resolve(false);
  }
  installedCredentials(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  validate(objects: KubernetesObject[]): Promise<void> {
    this.validated.push(...objects.map((o) => o.metadata?.name ?? ''));
    return Promise.resolve();
  }
  otherInstallNamespace(): Promise<string | undefined> {
    return Promise.resolve(this.otherInstall);
  }
}
