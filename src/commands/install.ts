import { Flags, type Interfaces } from '@oclif/core';
import { refuseManagedAddon } from '../addon/managed/absent.js';
import { installManaged } from '../addon/managed/install.js';
import { offeredVersions } from '../addon/managed/versions.js';
import { CloudSession } from '../cloud/session.js';
import { MANAGED_NODE_NAMES } from '../addon/managed/node-names.js';
import { installPreflight, managedInstallPreflight } from '../checks/preflight-run.js';
import { managedInstallText, offeredVersionsText } from '../addon/managed/present.js';
import { managedTarget } from '../command-lifecycle.js';
import { cliVersion } from '../shared/catalog.js';
import { resolveInstallInputs } from '../addon/inputs.js';
import { install } from '../addon/install.js';
import { DEFAULT_NODE_NAME } from '../shared/names.js';
import { installText } from '../addon/present.js';
import {
  cloudConfigFromFlags,
  cloudFlags,
  jsonFlag,
  kubeFlags,
  valueFlags,
  VkctlCommand,
  waitFlags,
  kubeSettings,
} from '../command-base.js';
import { parseDuration } from '../duration.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';

export default class Install extends VkctlCommand {
  static override summary =
    'Install the add-on: the provider runtime, its virtual node and the burst-policy webhook';
  static override description = `Runs the doctor --pre checks first and refuses when one fails (--skip-checks to go on anyway).
Applies every object with server-side apply (field manager "vkctl") and records the release in the cluster.
Running it again with the same values changes nothing.
With --managed it installs Huawei's own virtual-kubelet add-on through CCE's add-on API instead, as the CCE console does: the newest version CCE offers for this cluster (or --version), its template's defaults as values, --interconnect as the console's cross-service interconnect switch; later commands (upgrade, diff, status, history, doctor, uninstall) follow the mode recorded in the release. --managed --list shows the versions CCE offers for this cluster. An instance already installed in the console (and running) is adopted.
Exit codes: 0 installed (or nothing to change), 1 failed, 2 usage or configuration error.`;
  static override examples = [
    '<%= config.bin %> install --cluster-id 4a7d... --region cn-north-4',
    '<%= config.bin %> install --interconnect --set replicas=2',
    '<%= config.bin %> install --dry-run > vkctl.yaml',
    '<%= config.bin %> install --managed --list',
    '<%= config.bin %> install --managed --interconnect',
    '<%= config.bin %> install --managed --version 1.5.75 --set flavor.replicas=2 --dry-run',
  ];

  static override flags = {
    managed: Flags.boolean({
      description:
        "install Huawei's managed virtual-kubelet add-on through CCE's add-on API instead of vkctl's runtime",
    }),
    version: Flags.string({
      description: 'the managed add-on’s version (default: the newest CCE offers for this cluster)',
      dependsOn: ['managed'],
    }),
    list: Flags.boolean({
      description: 'with --managed: list the versions CCE offers for this cluster, and install nothing',
      dependsOn: ['managed'],
      exclusive: ['version', 'dry-run', 'set', 'values', 'interconnect'],
    }),
    ...valueFlags,
    'dry-run': Flags.boolean({
      description: 'print the rendered manifests (secrets redacted) and change nothing',
    }),
    ...waitFlags,
    'skip-checks': Flags.boolean({ description: 'install even when preflight checks fail' }),
    'node-name': Flags.string({
      description: `name of the virtual node (default ${DEFAULT_NODE_NAME})`,
      exclusive: ['managed'],
    }),
    ...jsonFlag,
    ...kubeFlags,
    ...cloudFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Install);
    if (flags.managed) return this.installManaged(flags);
    const timeoutMs = parseDuration(flags.timeout, 'timeout');
    const cloud = cloudConfigFromFlags(flags);
    const kc = loadKubeConfig(kubeSettings(flags));
    const version = cliVersion();
    const { values, credentials } = await resolveInstallInputs(
      version,
      cloud,
      {
        files: flags.values,
        sets: flags.set,
        flags: { interconnect: flags.interconnect, nodeName: flags['node-name'] },
      },
      this.prompt,
    );
    const cloudSettings = { ...cloud, ...credentials, region: values.region, clusterId: values.clusterId };
    const result = await install({
      kc,
      namespace: flags.namespace,
      version,
      values,
      credentials,
      dryRun: flags['dry-run'],
      wait: flags.wait,
      timeoutMs,
      conflicts: () => refuseManagedAddon(() => new CloudSession(cloudSettings)),
      preflight: flags['skip-checks']
        ? undefined
        : installPreflight({
            kube: kubeSettings(flags),
            cloud: cloudSettings,
            namespace: flags.namespace,
            nodeName: values.nodeName,
            cciNamespace: values.cciNamespace || undefined,
          }),
      progress: this.progress(flags.json),
    });
    const failed = result.outcome === 'failed';
    if (flags.json) this.printData(result);
    // A failure is said on stderr, so stdout stays what succeeded.
    else if (failed) this.logToStderr(installText(result, flags.namespace));
    else this.log(installText(result, flags.namespace));
    if (failed) this.exit(1);
  }

  private async installManaged(flags: Interfaces.InferredFlags<typeof Install.flags>): Promise<void> {
    const target = managedTarget(flags, undefined, this.progress(flags.json));
    if (flags.list) {
      const versions = await offeredVersions(target);
      if (flags.json) this.printData({ versions });
      else this.log(offeredVersionsText(versions));
      return;
    }
    const result = await installManaged({
      ...target,
      version: flags.version,
      inputs: { files: flags.values, sets: flags.set, interconnect: flags.interconnect },
      dryRun: flags['dry-run'],
      preflight: flags['skip-checks']
        ? undefined
        : managedInstallPreflight({
            kube: kubeSettings(flags),
            cloud: target.session.config,
            namespace: flags.namespace,
            nodeName: MANAGED_NODE_NAMES[0],
          }),
    });
    const failed = result.outcome === 'failed';
    if (flags.json) this.printData(result);
    else if (failed) this.logToStderr(managedInstallText(result));
    else this.log(managedInstallText(result));
    if (failed) this.exit(1);
  }
}
