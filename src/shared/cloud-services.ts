// The Huawei Cloud services vkctl calls, by the names its endpoints and settings use.
export type CloudService = 'iam' | 'cce' | 'vpc' | 'cci';
export const CLOUD_SERVICES: readonly CloudService[] = ['iam', 'cce', 'vpc', 'cci'];
