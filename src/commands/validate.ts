import { Flags } from '@oclif/core';
import { readManifestSources } from '../checks/manifest-input.js';
import { renderWorkloads } from '../checks/present.js';
import { validateWorkloads } from '../checks/workloads.js';
import { jsonFlag, VkctlCommand } from '../command-base.js';
import { DEFAULT_SFS_STORAGE_CLASSES } from '../shared/cci-rules.js';

export default class Validate extends VkctlCommand {
  static override summary = 'Check workload manifests against CCI’s rules: can their pods burst to CCI?';
  static override description = `Reads Pods, Deployments, StatefulSets, ReplicaSets, Jobs, CronJobs and DaemonSets (multi-document YAML or JSON, or a List).
PersistentVolumeClaims in the same input tell the storage class of the claims that pods mount.
Exit codes: 0 every workload can burst, 1 at least one cannot, 2 unreadable input or bad flags.`;
  static override examples = [
    '<%= config.bin %> validate -f deploy.yaml',
    '<%= config.bin %> validate -f deploy.yaml,pvc.yaml',
    '<%= config.bin %> validate -f k8s/ -R',
    'kubectl get deploy -o yaml | <%= config.bin %> validate -f - --json',
  ];

  static override flags = {
    filename: Flags.string({
      char: 'f',
      description:
        'manifest file, directory (its .json, .yaml and .yml files) or - for standard input; repeatable or comma-separated',
      required: true,
      multiple: true,
    }),
    recursive: Flags.boolean({
      char: 'R',
      description: 'read the directories given with -f recursively',
    }),
    'sfs-storage-class': Flags.string({
      description: `a storage class that is SFS or SFS Turbo (repeatable; default ${DEFAULT_SFS_STORAGE_CLASSES.join(', ')})`,
      multiple: true,
    }),
    ...jsonFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Validate);
    const objects = await readManifestSources(flags.filename, { recursive: flags.recursive });
    const results = validateWorkloads(objects, { sfsStorageClasses: flags['sfs-storage-class'] });
    if (flags.json) this.printJson({ results });
    else this.log(renderWorkloads(results, this.color));
    if (results.some((r) => !r.burstable)) this.exit(1);
  }
}
