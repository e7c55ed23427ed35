// The Huawei Cloud clients of one command run, built from its configuration. The project (and the
// account's domain ID, which agency lookups need) is resolved from IAM once and shared.
import { ConfigError } from '../errors.js';
import { CceApi } from './cce.js';
import { CciApi } from './cci.js';
import {
  ENV,
  missingCloudSettings,
  missingSettingsError,
  type CloudConfig,
  type CloudService,
} from './config.js';
import { CloudClient, type RequestObserver } from './http.js';
import { IamApi } from './iam.js';
import { VpcApi } from './vpc.js';

export interface ResolvedProject {
  id: string;
  name: string;
  domainId: string;
}

export class CloudSession {
  readonly iam: IamApi;
  private projectPromise: Promise<ResolvedProject> | undefined;

  constructor(
    readonly config: CloudConfig,
    private readonly timeoutMs?: number,
    private readonly observe?: RequestObserver,
  ) {
    const missing = missingCloudSettings(config);
    if (missing.length > 0) throw missingSettingsError('missing Huawei Cloud settings', missing);
    this.iam = new IamApi(this.client('iam'));
  }

  get clusterId(): string {
    return this.config.clusterId ?? '';
  }

  private client(service: CloudService): CloudClient {
    return new CloudClient(
      service,
      this.config.endpoints[service],
      { accessKey: this.config.accessKey ?? '', secretKey: this.config.secretKey ?? '' },
      this.timeoutMs,
      this.observe,
    );
  }

  /** The project named after the region, checked against a configured project ID. */
  project(): Promise<ResolvedProject> {
    this.projectPromise ??= (async () => {
      const region = this.config.region;
      if (!region)
        throw new ConfigError('a region is needed to find the project', {
          advice: { missing: [{ option: 'region', env: ENV.region }] },
        });
      const project = await this.iam.projectByName(region);
      if (!project) throw new ConfigError(`IAM knows no project named ${region} for these credentials`);
      if (this.config.projectId && this.config.projectId !== project.id) {
        throw new ConfigError(
          `project ID ${this.config.projectId} is not the ${region} project (${project.id})`,
        );
      }
      return { id: project.id, name: project.name, domainId: project.domain_id };
    })();
    return this.projectPromise;
  }

  async cce(): Promise<CceApi> {
    return new CceApi(this.client('cce'), (await this.project()).id);
  }

  async vpc(): Promise<VpcApi> {
    return new VpcApi(this.client('vpc'), (await this.project()).id);
  }

  async cci(): Promise<CciApi> {
    return new CciApi(this.client('cci'), (await this.project()).id);
  }
}
