// What install needs before it can render: values (defaults, --values, --set, flags) and the CCI
// credentials the runtime will use, from vkctl's cloud configuration. Missing required values are
// asked for on a terminal; elsewhere the error names the flag. The project ID is found through IAM
// from the region when not given.
import { CloudSession } from '../cloud/session.js';
import { ENV, type CloudConfig } from '../cloud/config.js';
import { UsageError } from '../errors.js';
import {
  missingValues,
  resolveValues,
  type AddonCredentials,
  type AddonValues,
  type ValueSources,
} from './values.js';

export type Prompt = (question: string, secret: boolean) => Promise<string>;

export interface InstallInputs {
  values: AddonValues;
  credentials: AddonCredentials;
}

export async function resolveInstallInputs(
  version: string,
  cloud: CloudConfig,
  sources: ValueSources,
  prompt: Prompt | undefined,
): Promise<InstallInputs> {
  const fromCloud: Partial<AddonValues> = {
    region: cloud.region,
    projectId: cloud.projectId,
    clusterId: cloud.clusterId,
    endpoints: Object.fromEntries(
      Object.entries(cloud.endpoints).filter(
        ([service, url]) => url && url !== `https://${service}.${cloud.region}.myhuaweicloud.com`,
      ),
    ),
  };
  let values = resolveValues(version, { ...sources, flags: { ...fromCloud, ...sources.flags } });
  for (const key of missingValues(values)) {
    if (!prompt)
      throw new UsageError(`missing ${key} (the values can set it too)`, {
        // Install takes both as cloud settings too, so their variables give them.
        advice: { missing: [{ option: key, env: key === 'region' ? ENV.region : ENV.clusterId }] },
      });
    values = { ...values, [key]: await prompt(`${key}:`, false) };
  }
  let accessKey = cloud.accessKey;
  let secretKey = cloud.secretKey;
  if (!accessKey) {
    if (!prompt)
      throw new UsageError('missing access key', {
        advice: { missing: [{ option: 'accessKey', env: 'HUAWEICLOUD_SDK_AK' }] },
      });
    accessKey = await prompt('access key ID:', false);
  }
  if (!secretKey) {
    if (!prompt)
      throw new UsageError('missing secret key (or secretKey in the config file)', {
        // Not its flag: a secret on the command line stays in the shell's history.
        advice: { missing: [{ env: 'HUAWEICLOUD_SDK_SK' }] },
      });
    secretKey = await prompt('secret access key:', true);
  }
  if (!values.projectId) {
    const session = new CloudSession({
      ...cloud,
      region: values.region,
      clusterId: values.clusterId,
      accessKey,
      secretKey,
    });
    values = { ...values, projectId: (await session.project()).id };
  }
  return { values, credentials: { accessKey, secretKey } };
}
