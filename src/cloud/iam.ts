// IAM: resolve the project of a region (and the account's domain ID, which a CCI Network names).
// Project lookup is how the official SDKs find a missing project ID. Whether CCI is authorized is
// asked of CCI itself (doctor's cci-authorized), not of IAM's agency list, which needs IAM read rights.
import type { CloudClient } from './http.js';

export interface IamProject {
  id: string;
  name: string;
  domain_id: string;
}

/** Created in the account when CCI is authorized in its console (named in doctor's hint). */
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
}
