// Where vkctl finds its Huawei Cloud settings: flags, then the environment (the official SDK's
// HUAWEICLOUD_SDK_* names, plus VKCTL_* for what the SDK has no name for), then a YAML config file
// (--config, VKCTL_CONFIG, or ~/.config/vkctl/config.yaml). Endpoints default to the public ones of
// the region and can be pointed anywhere (private regions, the test emulator).
import { CLOUD_SERVICES, type CloudService } from '../shared/cloud-services.js';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as Yaml from 'yaml';
import { ConfigError, firstLine } from '../errors.js';

// yaml is required when a config file is read, not on import: it takes about 0.1 s to load, and every
// command imports this module through command-base.ts. (It is CommonJS, so this stays synchronous.)
const require = createRequire(import.meta.url);

export { CLOUD_SERVICES, type CloudService };

export interface CloudConfig {
  region?: string;
  projectId?: string;
  clusterId?: string;
  accessKey?: string;
  secretKey?: string;
  endpoints: Record<CloudService, string | undefined>;
  /** Where each setting came from, for messages (never the secret itself). */
  sources: Partial<Record<string, 'flag' | 'env' | 'file'>>;
}

/** Settings as given on the command line; undefined where not given. */
export interface CloudFlags {
  config?: string;
  region?: string;
  projectId?: string;
  clusterId?: string;
  accessKey?: string;
  secretKey?: string;
  endpoints?: Partial<Record<CloudService, string>>;
}

/** The config file holds the same settings as the flags, but never names another file. */
type ConfigFile = Omit<CloudFlags, 'config'>;

export const ENV = {
  accessKey: 'HUAWEICLOUD_SDK_AK',
  secretKey: 'HUAWEICLOUD_SDK_SK',
  projectId: 'HUAWEICLOUD_SDK_PROJECT_ID',
  region: 'HUAWEICLOUD_SDK_REGION',
  clusterId: 'VKCTL_CLUSTER_ID',
  config: 'VKCTL_CONFIG',
} as const;

export function endpointEnv(service: CloudService): string {
  return `VKCTL_${service.toUpperCase()}_ENDPOINT`;
}

export function defaultConfigPath(): string {
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'vkctl', 'config.yaml');
}

function readConfigFile(file: string, explicit: boolean): ConfigFile {
  if (!existsSync(file)) {
    if (explicit) throw new ConfigError(`config file ${file} does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = (require('yaml') as typeof Yaml).parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${firstLine(error)}`, { cause: error });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(`config file ${file} must be a YAML mapping`);
  return parsed;
}

function checkUrl(service: CloudService, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
    return value.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`the ${service} endpoint "${value}" is not an http(s) URL`);
  }
}

/**
 * Cloud settings from these values alone: no environment variable and no config file is read (the
 * runtime's and uninstall's settings are the release's, not the shell's that runs them).
 */
export function cloudConfigOf(flags: CloudFlags): CloudConfig {
  return loadCloudConfig(flags, {}, { configFile: false });
}

/**
 * Cloud settings from flags, then the environment, then the config file (`configFile: false` reads
 * none: cloudConfigOf).
 */
export function loadCloudConfig(
  flags: CloudFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  { configFile = true }: { configFile?: boolean } = {},
): CloudConfig {
  const explicitFile = flags.config ?? env[ENV.config];
  const file = configFile
    ? readConfigFile(explicitFile ?? defaultConfigPath(), explicitFile !== undefined)
    : {};
  const sources: CloudConfig['sources'] = {};
  const pick = (
    key: 'region' | 'projectId' | 'clusterId' | 'accessKey' | 'secretKey',
  ): string | undefined => {
    const candidates: [string | undefined, 'flag' | 'env' | 'file'][] = [
      [flags[key], 'flag'],
      [env[ENV[key]], 'env'],
      [file[key], 'file'],
    ];
    for (const [value, source] of candidates) {
      if (value !== undefined && value !== '') {
        sources[key] = source;
        return String(value);
      }
    }
    return undefined;
  };
  const region = pick('region');
  const endpoints = {} as Record<CloudService, string | undefined>;
  for (const service of CLOUD_SERVICES) {
    const given = flags.endpoints?.[service] ?? env[endpointEnv(service)] ?? file.endpoints?.[service];
    endpoints[service] =
      checkUrl(service, given) ?? (region ? `https://${service}.${region}.myhuaweicloud.com` : undefined);
  }
  return {
    region,
    projectId: pick('projectId'),
    clusterId: pick('clusterId'),
    accessKey: pick('accessKey'),
    secretKey: pick('secretKey'),
    endpoints,
    sources,
  };
}

export interface MissingSetting {
  /** What it is, as a message names it. */
  what: string;
  /**
   * The option that gives it (a command spells it as its flag) and the variable that does. The
   * secret key has no option here: its flag would leave it in the shell's history.
   */
  option?: keyof CloudConfig;
  env: string;
}

/**
 * The settings a cloud call cannot do without (each may also be set in the config file); a command
 * adds its flags for them (errors.ts OptionAdvice).
 */
export function missingCloudSettings(config: CloudConfig): MissingSetting[] {
  const missing: MissingSetting[] = [];
  if (!config.region && CLOUD_SERVICES.some((s) => !config.endpoints[s]))
    missing.push({ what: 'region', option: 'region', env: ENV.region });
  if (!config.accessKey) missing.push({ what: 'access key', option: 'accessKey', env: ENV.accessKey });
  if (!config.secretKey) missing.push({ what: 'secret key', env: ENV.secretKey });
  if (!config.clusterId) missing.push({ what: 'cluster ID', option: 'clusterId', env: ENV.clusterId });
  return missing;
}

/** The error for settings that are missing, with the ways to give them. */
export function missingSettingsError(lead: string, missing: MissingSetting[]): ConfigError {
  return new ConfigError(
    `${lead} (each can be set in the config file too): ${missing.map((m) => m.what).join(', ')}`,
    {
      advice: { missing },
    },
  );
}
