// doctor's interconnect rows (after install, with --interconnect): the sidecar's identity and its
// rights, the credentials the runtime keeps in CCI for it (a token that still authenticates), and
// the sidecar in every CCI pod. Each is skipped when interconnect is off.
import {
  AuthenticationV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { burstNamespace } from '../cloud/cci.js';
import { hasProxy } from '../provider/interconnect/sidecar.js';
import { PROXY_KUBECONFIG_SECRET, PROXY_SERVICE_ACCOUNT } from '../shared/interconnect-names.js';
import { CheckSkip, type Check } from './check.js';
import type { CheckContext } from './context.js';

async function requireInterconnect(ctx: CheckContext): Promise<void> {
  const release = await ctx.release();
  if (release?.values.interconnect !== true) throw new CheckSkip('interconnect is not enabled');
}

export const interconnectChecks: readonly Check[] = [
  {
    id: 'interconnect-identity',
    category: 'interconnect',
    description: 'the proxy sidecar’s ServiceAccount may read Services and EndpointSlices',
    severity: 'fatal',
    hint: 'run `vkctl upgrade --interconnect` to re-apply the vkctl-proxy ServiceAccount and ClusterRole',
    needs: ['release-present'],
    async run(ctx) {
      await requireInterconnect(ctx);
      const namespace = ctx.settings.namespace;
      await ctx.core().readNamespacedServiceAccount({ name: PROXY_SERVICE_ACCOUNT, namespace });
      await ctx
        .kubeConfig()
        .makeApiClient(RbacAuthorizationV1Api)
        .readClusterRole({ name: PROXY_SERVICE_ACCOUNT });
      const user = `system:serviceaccount:${namespace}:${PROXY_SERVICE_ACCOUNT}`;
      for (const [group, resource] of [
        ['', 'services'],
        ['discovery.k8s.io', 'endpointslices'],
      ] as const) {
        const review = await ctx.authorization().createSubjectAccessReview({
          body: { spec: { user, resourceAttributes: { group, resource, verb: 'watch' } } },
        });
        if (!review.status?.allowed) throw new Error(`${user} may not watch ${resource}`);
      }
      return `${namespace}/${PROXY_SERVICE_ACCOUNT} may watch services and endpointslices`;
    },
  },
  {
    id: 'interconnect-upstream-dns',
    category: 'interconnect',
    description: 'CCI pods can resolve names outside the cluster',
    severity: 'warning',
    hint: 'set the resolver the sidecar forwards other names to: vkctl upgrade --set proxyUpstreamDns=<ip>:53 (the VPC’s DNS)',
    // Only once the runtime runs the release's config (its rollout complete: the pod template
    // carries a checksum of that config), so what is said here is what CCI pods get.
    needs: ['release-present', 'provider-available'],
    async run(ctx) {
      await requireInterconnect(ctx);
      const value = (await ctx.release())?.values.proxyUpstreamDns;
      const upstream = typeof value === 'string' ? value : '';
      if (!upstream)
        throw new Error('proxyUpstreamDns is not set: in CCI pods only cluster Service names resolve');
      return `other names go to ${upstream}`;
    },
  },
  {
    id: 'interconnect-credentials',
    category: 'interconnect',
    description: 'the sidecars’ credentials in CCI are present and valid',
    severity: 'fatal',
    hint: 'the runtime writes them at start and refreshes them daily; look at its logs for "proxy token"',
    needs: ['interconnect-identity', 'iam-auth'],
    async run(ctx) {
      await requireInterconnect(ctx);
      const cci = await ctx.cloud().cci();
      const namespace = burstNamespace(ctx.cloud().clusterId);
      const secrets = await cci.list<V1Secret>(
        namespace,
        'secrets',
        'app.kubernetes.io/component=interconnect',
      );
      const secret = secrets.items.find((s) => s.metadata?.name === PROXY_KUBECONFIG_SECRET);
      if (!secret?.data?.kubeconfig)
        throw new Error(`no ${PROXY_KUBECONFIG_SECRET} Secret in CCI namespace ${namespace}`);
      const kc = new KubeConfig();
      kc.loadFromString(Buffer.from(secret.data.kubeconfig, 'base64').toString('utf8'));
      const token = kc.getCurrentUser()?.token ?? '';
      const review = await ctx
        .kubeConfig()
        .makeApiClient(AuthenticationV1Api)
        .createTokenReview({ body: { spec: { token } } });
      if (!review.status?.authenticated)
        throw new Error(
          `the token in ${PROXY_KUBECONFIG_SECRET} no longer authenticates: ${review.status?.error ?? 'expired?'}`,
        );
      return `token of ${review.status.user?.username ?? '?'}, apiserver ${kc.getCurrentCluster()?.server ?? '?'}`;
    },
  },
  {
    id: 'interconnect-sidecars',
    category: 'interconnect',
    description: 'every CCI pod runs the proxy sidecar',
    severity: 'warning',
    hint: 'pods created before interconnect was turned on have no sidecar: recreate them (kubectl rollout restart)',
    needs: ['interconnect-credentials'],
    async run(ctx) {
      await requireInterconnect(ctx);
      const cci = await ctx.cloud().cci();
      const pods = (await cci.listPods(burstNamespace(ctx.cloud().clusterId))).items;
      const without = pods.filter((p: V1Pod) => !hasProxy(p.spec));
      if (without.length > 0)
        throw new Error(
          `${without.length} of ${pods.length} CCI pods have no sidecar: ${without
            .slice(0, 3)
            .map((p) => p.metadata?.name)
            .join(', ')}`,
        );
      return `${pods.length} CCI pod(s), each with the sidecar`;
    },
  },
];
