// Checks shared by doctor --pre and doctor: the kubeconfig, the API, and the server's version
// against the versions this add-on version supports.
import { catalogEntry, cliVersion, supportsKubernetes } from '../shared/catalog.js';
import type { Check } from './check.js';

export const kubernetesChecks: readonly Check[] = [
  {
    id: 'kubeconfig',
    category: 'kubernetes',
    description: 'the kubeconfig loads and names a cluster',
    severity: 'fatal',
    hint: 'pass --kubeconfig and --context, or set KUBECONFIG',
    run(ctx) {
      const kc = ctx.kubeConfig();
      return `context ${kc.getCurrentContext()} -> ${kc.getCurrentCluster()?.server}`;
    },
  },
  {
    id: 'kube-api',
    category: 'kubernetes',
    description: 'the cluster’s API answers',
    severity: 'fatal',
    hint: 'check that the cluster is running and reachable from here, and that the kubeconfig’s credentials are valid',
    needs: ['kubeconfig'],
    async run(ctx) {
      const version = await ctx.serverVersion();
      return `reached the API server (${version.gitVersion})`;
    },
  },
  {
    id: 'kube-version',
    category: 'kubernetes',
    description: 'the Kubernetes version is supported by this add-on version',
    severity: 'fatal',
    hint: 'upgrade the cluster, or use a vkctl release that supports this Kubernetes version',
    needs: ['kube-api'],
    async run(ctx) {
      const version = (await ctx.serverVersion()).gitVersion;
      const entry = catalogEntry(cliVersion());
      if (!entry) throw new Error(`vkctl ${cliVersion()} is not in its own catalog`);
      if (!supportsKubernetes(entry, version)) {
        throw new Error(
          `Kubernetes ${version} is outside what vkctl ${entry.version} supports (${entry.kubernetes})`,
        );
      }
      return `Kubernetes ${version} is within ${entry.kubernetes}`;
    },
  },
];
