// The flag groups commands share (output, log level, Kubernetes, Huawei Cloud, add-on values, waits)
// and what turns their values into settings. Imported by every command through command-base.ts, so
// it imports nothing heavy either: oclif's flags, not its index.
import * as Flags from '@oclif/core/flags';
import type { AddonCredentials } from './addon/values.js';
import { CLOUD_SERVICES, loadCloudConfig, type CloudConfig, type CloudService } from './cloud/config.js';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import type { KubeFlags } from './kube/kubeconfig.js';
import { OUTPUT_FORMATS } from './output.js';
import { LOG_LEVELS } from './provider/log-levels.js';

/**
 * The output flags of every command that prints data: -o json|yaml as kubectl's, and --json, the
 * same as -o json (older scripts use it). After parsing, `flags.json` is true for either format
 * (VkctlCommand.parse), so a command asks one flag whether to print data, and printData prints it
 * in the format asked for. (Named jsonFlag since it was --json alone.)
 */
export const jsonFlag = {
  output: Flags.option({
    char: 'o',
    description: 'print the result as data on stdout: json or yaml',
    options: OUTPUT_FORMATS,
  })(),
  json: Flags.boolean({ description: 'the same as -o json', exclusive: ['output'] }),
};

/** --log-level of the long-running commands (provider run, proxy), which log JSON lines. */
export const logLevelFlag = Flags.option({
  description: 'least level logged',
  options: LOG_LEVELS,
  default: 'info',
})();

export const kubeFlags = {
  kubeconfig: Flags.string({
    description: 'path to the kubeconfig (default: $KUBECONFIG or ~/.kube/config)',
    helpGroup: 'KUBERNETES',
  }),
  context: Flags.string({ description: 'kubeconfig context to use', helpGroup: 'KUBERNETES' }),
  namespace: Flags.string({
    char: 'n',
    description: 'the add-on’s namespace',
    default: 'kube-system',
    helpGroup: 'KUBERNETES',
  }),
  'request-timeout': Flags.string({
    description: 'how long one Kubernetes API request may take, e.g. 30s or 1m',
    default: '30s',
    helpGroup: 'KUBERNETES',
  }),
};

/** The kubeconfig settings of the Kubernetes flags. */
export function kubeSettings(flags: {
  kubeconfig?: string;
  context?: string;
  'request-timeout'?: string;
}): KubeFlags {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    requestTimeoutMs: flags['request-timeout']
      ? parseDuration(flags['request-timeout'], 'requestTimeout')
      : undefined,
  };
}

function endpointFlag(service: CloudService) {
  const upper = service.toUpperCase();
  return Flags.string({
    description: `${upper} endpoint URL (env VKCTL_${upper}_ENDPOINT)`,
    helpGroup: 'HUAWEI CLOUD',
  });
}

export const cloudFlags = {
  config: Flags.string({
    description: 'vkctl config file (default: $VKCTL_CONFIG or ~/.config/vkctl/config.yaml)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  region: Flags.string({
    description: 'region, e.g. cn-north-4 (env HUAWEICLOUD_SDK_REGION)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'project-id': Flags.string({
    description: 'project ID (env HUAWEICLOUD_SDK_PROJECT_ID; found from the region if unset)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'cluster-id': Flags.string({
    description: 'CCE cluster ID (env VKCTL_CLUSTER_ID)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'access-key': Flags.string({
    description: 'access key ID (env HUAWEICLOUD_SDK_AK)',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'secret-key': Flags.string({
    description:
      'secret access key; prefer env HUAWEICLOUD_SDK_SK or the config file, which stay out of shell history',
    helpGroup: 'HUAWEI CLOUD',
  }),
  'iam-endpoint': endpointFlag('iam'),
  'cce-endpoint': endpointFlag('cce'),
  'vpc-endpoint': endpointFlag('vpc'),
  'cci-endpoint': endpointFlag('cci'),
} as const;

type CloudFlagValues = { [K in keyof typeof cloudFlags]?: string | undefined };

export function cloudConfigFromFlags(flags: CloudFlagValues): CloudConfig {
  const endpoints: Partial<Record<CloudService, string>> = {};
  for (const s of CLOUD_SERVICES) {
    const value = flags[`${s}-endpoint`];
    if (value) endpoints[s] = value;
  }
  return loadCloudConfig({
    config: flags.config,
    region: flags.region,
    projectId: flags['project-id'],
    clusterId: flags['cluster-id'],
    accessKey: flags['access-key'],
    secretKey: flags['secret-key'],
    endpoints,
  });
}

/**
 * New CCI keys for `upgrade --update-credentials`: both from flags, environment or config file, or
 * neither (the installed ones are kept); one without the other is an error, not half a change.
 */
export function newCciCredentials(flags: {
  config?: string;
  'access-key'?: string;
  'secret-key'?: string;
}): AddonCredentials | undefined {
  const cloud = loadCloudConfig({
    config: flags.config,
    accessKey: flags['access-key'],
    secretKey: flags['secret-key'],
    endpoints: {},
  });
  if (cloud.accessKey && cloud.secretKey) return { accessKey: cloud.accessKey, secretKey: cloud.secretKey };
  if (cloud.accessKey || cloud.secretKey)
    throw new UsageError(
      `--update-credentials: ${cloud.accessKey ? 'a secret key' : 'an access key'} is missing (give both, or neither to keep the installed keys)`,
    );
  return undefined;
}

/** The values of a revision (install, upgrade, diff): --interconnect, -f/--values and --set, as helm's. */
export const valueFlags = {
  interconnect: Flags.boolean({
    description:
      'cross-service interconnect on or off: CCI pods and CCE pods reach each other through ClusterIP Services',
    allowNo: true,
  }),
  values: Flags.string({ char: 'f', description: 'values file (YAML), repeatable', multiple: true }),
  set: Flags.string({
    description:
      'a value, key=value (e.g. replicas=2, resources.cpu=500m; managed: flavor.replicas=2), repeatable',
    multiple: true,
  }),
};

/** --wait and --timeout, for the commands that deploy a revision. */
export const waitFlags = {
  wait: Flags.boolean({
    description: 'wait until the runtime is available and the virtual node Ready',
    default: true,
    allowNo: true,
  }),
  timeout: Flags.string({ description: 'how long to wait', default: '5m' }),
};
