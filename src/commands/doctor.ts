import { adviseResults } from '../command-errors.js';
import { Flags } from '@oclif/core';
import { DEFAULT_NODE_NAME } from '../shared/names.js';
import { doctor, doctorExitCode } from '../checks/doctor.js';
import { renderChecks } from '../checks/present.js';
import {
  cloudConfigFromFlags,
  cloudFlags,
  jsonFlag,
  kubeFlags,
  VkctlCommand,
  kubeSettings,
} from '../command-base.js';
import { parseDuration } from '../duration.js';

export default class Doctor extends VkctlCommand {
  static override summary =
    'Check that the cluster can take vkctl (--pre), or that the installed add-on is healthy';
  static override description = `Exit codes: 0 all checks passed (warnings allowed), 1 a check failed, 2 a usage or configuration error.`;
  static override examples = [
    '<%= config.bin %> doctor --pre --cluster-id 4a7d... --region cn-north-4',
    '<%= config.bin %> doctor --wait 2m',
    '<%= config.bin %> doctor --pre -o json',
    '<%= config.bin %> doctor --pre --managed',
  ];

  static override flags = {
    pre: Flags.boolean({
      description: 'run the checks before install instead of the health checks after it',
    }),
    managed: Flags.boolean({
      description:
        "with --pre: check for Huawei's managed add-on (install --managed); after install the release says which",
      dependsOn: ['pre'],
    }),
    wait: Flags.string({ description: 'retry until all checks pass or this long has passed (e.g. 30s, 5m)' }),
    'node-name': Flags.string({ description: 'name of the virtual node', default: DEFAULT_NODE_NAME }),
    ...jsonFlag,
    ...kubeFlags,
    ...cloudFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Doctor);
    const waitMs = flags.wait ? parseDuration(flags.wait, 'wait') : undefined;
    const report = await doctor({
      pre: flags.pre,
      managed: flags.managed,
      waitMs,
      onRetry: (results) => {
        if (!flags.json)
          this.logToStderr(
            `waiting: ${results.filter((r) => r.status === 'fail').length} check(s) failing, retrying…`,
          );
      },
      settings: {
        kube: kubeSettings(flags),
        cloud: cloudConfigFromFlags(flags),
        namespace: flags.namespace,
        nodeName: flags['node-name'],
      },
    });
    const shown = { ...report, checks: adviseResults(report.checks, this.flagOf) };
    if (flags.json) this.printData(shown);
    else this.log(renderChecks(shown.checks, this.color));
    const code = doctorExitCode(report);
    if (code !== 0) this.exit(code);
  }
}
