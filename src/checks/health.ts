// `vkctl doctor` (after install): the release and the add-on's health. Each part says plainly when
// it is not installed; nothing passes that was not looked at.
import { cliVersion } from '../shared/catalog.js';
import { PROVIDER_DEPLOYMENT, WEBHOOK_CONFIGURATION } from '../shared/names.js';
import {
  NODE_CREDENTIALS_SECRET,
  nodeCertificateInfo,
  readNodeCredentials,
  renewalDue,
} from '../addon/node-credentials.js';
import { usesNodeCredentials } from '../addon/render.js';
import { podTrouble, rolloutState } from '../addon/wait.js';
import { burstNamespace } from '../cloud/cci.js';
import { NODE_LEASE_NAMESPACE } from '../kube/lease.js';
import { capacityCheck } from './capacity.js';
import { type Check } from './check.js';
import { interconnectChecks } from './interconnect-checks.js';
import { nodeRestrictionCheck } from './node-restriction.js';
import { cloudAccessChecks } from './cloud-checks.js';
import { kubernetesChecks } from './kubernetes-checks.js';
import { isNotFound } from '../kube/errors.js';

/** A lease older than its duration means the runtime has stopped heartbeating. */
const notFound = isNotFound;

export const HEALTH_CHECKS: readonly Check[] = [
  ...kubernetesChecks,
  {
    id: 'release-present',
    category: 'release',
    description: 'vkctl is installed',
    severity: 'fatal',
    hint: 'install it with `vkctl install` (check first with `vkctl doctor --pre`)',
    needs: ['kube-api'],
    async run(ctx) {
      const release = await ctx.release();
      if (!release) throw new Error(`no deployed vkctl release in namespace ${ctx.settings.namespace}`);
      if (release.unreadable) throw new Error(release.unreadable);
      return `revision ${release.revision}, version ${release.version}`;
    },
  },
  {
    id: 'version-skew',
    category: 'release',
    description: 'the installed version matches this CLI',
    severity: 'warning',
    hint: 'run `vkctl upgrade` to bring the add-on to this CLI’s version',
    needs: ['release-present'],
    async run(ctx) {
      const release = await ctx.release();
      if (release?.version !== cliVersion())
        throw new Error(`installed ${release?.version}, CLI ${cliVersion()}`);
      return `both ${cliVersion()}`;
    },
  },
  {
    id: 'provider-available',
    category: 'runtime',
    description: 'the provider Deployment is available',
    severity: 'fatal',
    hint: `look at its pods: kubectl -n <namespace> describe deployment ${PROVIDER_DEPLOYMENT}`,
    needs: ['release-present'],
    async run(ctx) {
      const deployment = await ctx
        .apps()
        .readNamespacedDeployment({ name: PROVIDER_DEPLOYMENT, namespace: ctx.settings.namespace });
      const available = deployment.status?.availableReplicas ?? 0;
      const rollout = rolloutState(deployment);
      if (available < 1 || !rollout.done) {
        // Not only "not available" but why: the scheduler's or the kubelet's word on each stuck pod.
        const why = await podTrouble(ctx.core(), ctx.settings.namespace);
        const state = rollout.done
          ? `${available}/${deployment.spec?.replicas ?? 1} replicas available`
          : rollout.text;
        throw new Error(why.length > 0 ? `${state} (${why.join('; ')})` : state);
      }
      return `${available}/${deployment.spec?.replicas ?? 1} replicas available, rolled out`;
    },
  },
  {
    id: 'node-credentials',
    category: 'runtime',
    description: 'the runtime’s node certificate names its node and is not near its end',
    severity: 'warning',
    hint: 'renew it: vkctl upgrade --update-credentials',
    needs: ['release-present'],
    async run(ctx) {
      const release = await ctx.release();
      if (!release || !usesNodeCredentials(release.version))
        return `not used by ${release?.version ?? 'this version'} (its runtime has a ServiceAccount)`;
      const credentials = await readNodeCredentials(ctx.core(), ctx.settings.namespace);
      const info = credentials && nodeCertificateInfo(credentials.cert);
      if (!info) throw new Error(`${NODE_CREDENTIALS_SECRET} holds no node certificate`);
      if (info.nodeName !== ctx.settings.nodeName)
        throw new Error(`it names system:node:${info.nodeName}, not the node ${ctx.settings.nodeName}`);
      const left = info.notAfter.getTime() - Date.now();
      const until = info.notAfter.toISOString().slice(0, 10);
      if (renewalDue(info))
        throw new Error(
          `system:node:${info.nodeName} ${left > 0 ? `expires on ${until}` : `expired on ${until}`}`,
        );
      return `system:node:${info.nodeName}, valid until ${until}`;
    },
  },
  nodeRestrictionCheck,
  {
    id: 'virtual-node-ready',
    category: 'runtime',
    description: 'the virtual node is Ready',
    severity: 'fatal',
    hint: 'the runtime registers the node; look at its logs: kubectl -n <namespace> logs deploy/vkctl-provider',
    needs: ['release-present'],
    async run(ctx) {
      const node = await ctx.core().readNode({ name: ctx.settings.nodeName });
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True')
        throw new Error(
          `node ${ctx.settings.nodeName} is not Ready: ${ready?.message ?? 'no Ready condition'}`,
        );
      return `node ${ctx.settings.nodeName} is Ready`;
    },
  },
  {
    id: 'node-lease-fresh',
    category: 'runtime',
    description: 'the virtual node’s lease is being renewed',
    severity: 'fatal',
    hint: 'the runtime is not heartbeating: check that its pod is running and can reach the API server',
    needs: ['virtual-node-ready'],
    async run(ctx) {
      const lease = await ctx
        .coordination()
        .readNamespacedLease({ name: ctx.settings.nodeName, namespace: NODE_LEASE_NAMESPACE });
      const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
      const age = (Date.now() - renewed) / 1000;
      const duration = lease.spec?.leaseDurationSeconds ?? 40;
      if (age > duration)
        throw new Error(`last renewed ${Math.round(age)} s ago (lease duration ${duration} s)`);
      return `renewed ${Math.round(age)} s ago`;
    },
  },
  capacityCheck,
  {
    id: 'webhook-configured',
    category: 'runtime',
    description: 'the burst-policy webhook is configured',
    severity: 'fatal',
    hint: 'reinstall or upgrade to restore it: `vkctl upgrade`',
    needs: ['release-present'],
    async run(ctx) {
      const config = await ctx
        .admission()
        .readMutatingWebhookConfiguration({ name: WEBHOOK_CONFIGURATION })
        .catch((e: unknown) => {
          if (notFound(e)) throw new Error(`MutatingWebhookConfiguration ${WEBHOOK_CONFIGURATION} not found`);
          throw e;
        });
      const webhooks = config.webhooks ?? [];
      if (webhooks.some((w) => !w.clientConfig.caBundle)) throw new Error('a webhook has no caBundle');
      return `${webhooks.length} webhook(s) with a CA bundle`;
    },
  },
  ...cloudAccessChecks,
  {
    id: 'cci-namespace-ready',
    category: 'huawei-cloud',
    description: 'the CCI namespace and its network are ready',
    severity: 'fatal',
    hint: 'the runtime creates them at start; look at its logs for CCI errors',
    needs: ['iam-auth', 'release-present'],
    async run(ctx) {
      const cci = await ctx.cloud().cci();
      const recorded = (await ctx.release())?.values.cciNamespace;
      const name =
        typeof recorded === 'string' && recorded ? recorded : burstNamespace(ctx.cloud().clusterId);
      if (!(await cci.namespace(name))) throw new Error(`CCI namespace ${name} does not exist`);
      const networks = await cci.networks(name);
      const active = networks.find((n) => n.status?.state === 'Active');
      if (!active)
        throw new Error(`CCI namespace ${name} has no Active network (${networks.length} network(s))`);
      return `namespace ${name}, network ${active.metadata?.name} Active`;
    },
  },
  ...interconnectChecks,
];
