// IAM: resolve the project of a region (and the account's domain ID), and look up agencies.
// Project lookup is how the official SDKs find a missing project ID.
import type { CloudClient } from './http.js';

export interface IamProject {
  id: string;
  name: string;
  domain_id: string;
}

export interface IamAgency {
  id: string;
  name: string;
  trust_domain_name?: string;
}

/** Created in the account when CCI is authorized in its console. */
export const CCI_AGENCY = 'cci_admin_trust';

export class IamApi {
  constructor(private readonly client: CloudClient) {}

  async projectByName(name: string): Promise<IamProject | undefined> {
    const { projects } = await this.client.request<{ projects: IamProject[] }>({
      path: '/v3/projects',
      query: { name },
    });
    return projects.find((p) => p.name === name);
  }

  async agencies(domainId: string, name?: string): Promise<IamAgency[]> {
    const { agencies } = await this.client.request<{ agencies: IamAgency[] }>({
      path: '/v3.0/OS-AGENCY/agencies',
      query: { domain_id: domainId, name },
    });
    return agencies;
  }
}
