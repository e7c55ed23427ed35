// `vkctl burst KIND/NAME --policy P`: sets the burst label on a workload and on its pod template,
// where the webhook reads it (the CCE console's "CCI elastic hosting" tick). A Job's pod template
// cannot change after creation, so Jobs are refused with the way around.
import {
  AppsV1Api,
  BatchV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { StateError, UsageError } from '../errors.js';
import { BURST_LABEL, BURST_POLICIES, type BurstPolicy } from '../shared/burst-label.js';
import { isNotFound } from '../kube/errors.js';

const KINDS: Record<string, 'Deployment' | 'StatefulSet' | 'CronJob' | 'Job'> = {
  deployment: 'Deployment',
  deployments: 'Deployment',
  deploy: 'Deployment',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  sts: 'StatefulSet',
  cronjob: 'CronJob',
  cronjobs: 'CronJob',
  cj: 'CronJob',
  job: 'Job',
  jobs: 'Job',
};

export interface BurstTarget {
  kind: 'Deployment' | 'StatefulSet' | 'CronJob';
  name: string;
}

export function parseBurstTarget(text: string): BurstTarget {
  const [kindText, name, extra] = text.split('/');
  const kind = KINDS[(kindText ?? '').toLowerCase()];
  if (!kind || !name || extra !== undefined) {
    throw new UsageError(`"${text}" is not KIND/NAME with KIND one of deployment, statefulset, cronjob`);
  }
  if (kind === 'Job')
    throw new UsageError(
      "a Job's pod template cannot change; put the label virtual-kubelet.io/burst-to-cci in its manifest",
    );
  return { kind, name };
}

export function parseBurstPolicy(text: string): BurstPolicy {
  if (!BURST_POLICIES.includes(text as BurstPolicy))
    throw new UsageError(`must be one of ${BURST_POLICIES.join(', ')}, not "${text}"`, {
      advice: { option: 'policy' },
    });
  return text as BurstPolicy;
}

/** Labels the workload and its pod template; a changed template rolls its pods as any edit does. */
export async function setBurstPolicy(
  kc: KubeConfig,
  namespace: string,
  target: BurstTarget,
  policy: BurstPolicy,
): Promise<void> {
  const label = { [BURST_LABEL]: policy };
  const template = { metadata: { labels: label } };
  const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const notFound = (error: unknown) => {
    if (isNotFound(error))
      throw new StateError(`${target.kind.toLowerCase()} ${namespace}/${target.name} not found`);
    throw error;
  };
  const metadata = { labels: label };
  if (target.kind === 'CronJob') {
    const body = { metadata, spec: { jobTemplate: { spec: { template } } } };
    await kc
      .makeApiClient(BatchV1Api)
      .patchNamespacedCronJob({ name: target.name, namespace, body }, options)
      .catch(notFound);
    return;
  }
  const apps = kc.makeApiClient(AppsV1Api);
  const body = { metadata, spec: { template } };
  if (target.kind === 'Deployment')
    await apps.patchNamespacedDeployment({ name: target.name, namespace, body }, options).catch(notFound);
  else await apps.patchNamespacedStatefulSet({ name: target.name, namespace, body }, options).catch(notFound);
}
