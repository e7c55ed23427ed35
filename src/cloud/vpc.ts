// VPC: subnets by their network ID, and all subnets of a VPC (to find ENI subnets by Neutron ID).
import type { CloudClient } from './http.js';

export interface VpcSubnet {
  id: string;
  name: string;
  cidr: string;
  vpc_id: string;
  neutron_subnet_id: string;
}

export class VpcApi {
  constructor(
    private readonly client: CloudClient,
    private readonly projectId: string,
  ) {}

  async subnet(subnetId: string): Promise<VpcSubnet> {
    const { subnet } = await this.client.request<{ subnet: VpcSubnet }>({
      path: `/v1/${this.projectId}/subnets/${subnetId}`,
    });
    return subnet;
  }

  async subnets(vpcId: string): Promise<VpcSubnet[]> {
    const { subnets } = await this.client.request<{ subnets: VpcSubnet[] }>({
      path: `/v1/${this.projectId}/subnets`,
      query: { vpc_id: vpcId },
    });
    return subnets;
  }
}
