// What install, upgrade and rollback do to the cluster apart from their records, as one interface
// (helm's kube.Interface beside its storage driver): render a revision, validate or apply it (pruning
// what it dropped), wait for it, plan it, and the facts they read first. The default runs on the target's kubeconfig;
// unit tests give a fake with the in-memory release store (test/unit/lifecycle-actions.test.ts),
// as helm's actionConfigFixture gives its actions a fake kube client and the memory driver.
import { CoreV1Api, VersionApi, type KubernetesObject } from '@kubernetes/client-node';
import { StateError } from '../errors.js';
import { Applier } from '../kube/apply.js';
import { readInstalledCredentials } from './credentials.js';
import { deployRevision, waitForRevision } from './deploy.js';
import { nodeCredentials, nodeCredentialsDue } from './node-credentials.js';
import { otherInstallNamespace } from './other-install.js';
import { planChanges, type ObjectChange } from './plan-changes.js';
import { SecretReleaseStore, type ReleaseStore } from './release-store.js';
import { renderManifests, usesNodeCredentials, type ObjectRef } from './render.js';
import type { AddonCredentials, AddonValues } from './values.js';
import { webhookCertificates } from './webhook-certs.js';
import type { LifecycleTarget } from './revision.js';

export interface RenderOptions {
  /** A new node certificate even if the current one is good. */
  renewNodeCertificate?: boolean;
  dryRun?: boolean;
}

export interface RevisionCluster {
  /** The objects of `version` with `values`, with the target's (or the installed) credentials. */
  render(version: string, values: AddonValues, options?: RenderOptions): Promise<KubernetesObject[]>;
  /** Has the apiserver validate and admit `objects` without storing them (server-side dry run). */
  validate(objects: KubernetesObject[]): Promise<void>;
  /** Applies `objects` in order, then deletes what `previous` had and they do not. */
  deploy(objects: KubernetesObject[], previous: readonly ObjectRef[]): Promise<void>;
  /** Waits until the runtime is available and the node Ready; throws WaitTimeoutError. */
  waitReady(nodeName: string): Promise<void>;
  /** What applying `objects` over `previous` would change. */
  plan(objects: KubernetesObject[], previous: readonly ObjectRef[]): Promise<ObjectChange[]>;
  /** The apiserver's gitVersion. */
  kubernetesVersion(): Promise<string>;
  /** Whether the node certificate of `nodeName` is due for renewal. */
  nodeCredentialsDue(nodeName: string): Promise<boolean>;
  /** The CCI keys installed now, if any. */
  installedCredentials(): Promise<AddonCredentials | undefined>;
  /** The namespace of another vkctl install in this cluster, if there is one. */
  otherInstallNamespace(): Promise<string | undefined>;
}

/** The target's release store: the one it was given, else its namespace's Secrets. */
export function storeOf(target: LifecycleTarget): ReleaseStore {
  return target.releases ?? new SecretReleaseStore(target.kc.makeApiClient(CoreV1Api), target.namespace);
}

/** The target's cluster: the one it was given, else its kubeconfig's. */
export function clusterOf(target: LifecycleTarget): RevisionCluster {
  return target.cluster ?? kubeconfigCluster(target);
}

function kubeconfigCluster(target: LifecycleTarget): RevisionCluster {
  const core = target.kc.makeApiClient(CoreV1Api);
  const { namespace } = target;
  const installedCredentials = () => readInstalledCredentials(core, namespace);
  return {
    async render(version, values, options = {}) {
      return renderManifests({
        version,
        namespace,
        values,
        credentials: target.credentials ?? (await installedCredentialsOrFail(installedCredentials)),
        webhook: await webhookCertificates(core, namespace),
        node: usesNodeCredentials(version, target.manifestsRoot)
          ? await nodeCredentials({
              kc: target.kc,
              core,
              namespace,
              nodeName: values.nodeName,
              renew: options.renewNodeCertificate ?? false,
              dryRun: options.dryRun ?? false,
              progress: target.progress,
            })
          : undefined,
        manifestsRoot: target.manifestsRoot,
      });
    },
    async validate(objects) {
      const applier = new Applier(target.kc);
      for (const object of objects) await applier.apply(object, { dryRun: true });
    },
    deploy: (objects, previous) => deployRevision({ ...target, objects, previous }),
    waitReady: (nodeName) => waitForRevision({ ...target, nodeName }),
    plan: (objects, previous) => planChanges(target.kc, objects, previous),
    kubernetesVersion: async () => (await target.kc.makeApiClient(VersionApi).getCode()).gitVersion,
    nodeCredentialsDue: (nodeName) => nodeCredentialsDue(core, namespace, nodeName),
    installedCredentials,
    otherInstallNamespace: () => otherInstallNamespace(target.kc, namespace),
  };
}

async function installedCredentialsOrFail(
  read: () => Promise<AddonCredentials | undefined>,
): Promise<AddonCredentials> {
  const credentials = await read();
  if (!credentials)
    throw new StateError('the add-on’s credentials Secret is missing', {
      // Only an upgrade that updates the credentials writes them again (the CCI keys given).
      advice: { override: { option: 'updateCredentials', effect: 'with the CCI keys to write it again' } },
    });
  return credentials;
}
