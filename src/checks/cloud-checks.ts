// Checks that the Huawei Cloud settings are complete and the credentials work: IAM resolves the
// project, and CCI answers.
import { isCciNotAuthorized } from '../cloud/cci.js';
import { missingCloudSettings, missingSettingsError } from '../cloud/config.js';
import type { Check } from './check.js';

export const cloudAccessChecks: readonly Check[] = [
  {
    id: 'cloud-config',
    category: 'huawei-cloud',
    description: 'region, credentials and cluster ID are set',
    severity: 'fatal',
    hint: 'set them with flags, HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK / HUAWEICLOUD_SDK_REGION / VKCTL_CLUSTER_ID, or the config file (~/.config/vkctl/config.yaml)',
    run(ctx) {
      const config = ctx.settings.cloud;
      const missing = missingCloudSettings(config);
      if (missing.length > 0) throw missingSettingsError('missing', missing);
      return `region ${config.region ?? '(endpoints given)'}, cluster ${config.clusterId}, access key from ${config.sources.accessKey}`;
    },
  },
  {
    id: 'iam-auth',
    category: 'huawei-cloud',
    description: 'IAM accepts the credentials and knows the project',
    severity: 'fatal',
    hint: 'check the AK/SK pair and the region; the IAM endpoint must be reachable (VKCTL_IAM_ENDPOINT overrides it)',
    needs: ['cloud-config'],
    async run(ctx) {
      const project = await ctx.cloud().project();
      return `project ${project.name} (${project.id})`;
    },
  },
  {
    id: 'cci-reachable',
    category: 'huawei-cloud',
    description: 'CCI answers with these credentials',
    severity: 'fatal',
    hint: 'check that CCI is offered in this region and reachable from here (VKCTL_CCI_ENDPOINT overrides the endpoint)',
    needs: ['iam-auth'],
    async run(ctx) {
      try {
        const namespaces = await ctx.cciNamespaces();
        return `CCI answered (${namespaces.items.length} namespace(s) in the project)`;
      } catch (error) {
        // Reached, and it answered: whether it accepts the account is cci-authorized's to say.
        if (isCciNotAuthorized(error)) return `CCI answered (${error.code}: not authorized, see below)`;
        throw error;
      }
    },
  },
];
