// The cloud settings of a managed release: the region and cluster its record names (where the
// instance is) over those given, so that later commands need only credentials.
import type { CloudConfig } from '../../cloud/config.js';
import type { ReleaseRecord } from '../release-store.js';

export function cloudFor(cloud: CloudConfig, record: ReleaseRecord | undefined): CloudConfig {
  return {
    ...cloud,
    region: record?.cloud?.region || cloud.region,
    clusterId: record?.cloud?.clusterId || cloud.clusterId,
  };
}
