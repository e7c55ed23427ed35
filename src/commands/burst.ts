import { Args, Flags } from '@oclif/core';
import { jsonFlag, kubeFlags, VkctlCommand } from '../command-base.js';
import { contextNamespace, loadKubeConfig } from '../kube/kubeconfig.js';
import { parseBurstPolicy, parseBurstTarget, setBurstPolicy } from '../addon/burst.js';

export default class Burst extends VkctlCommand {
  static override summary = 'Set a workload’s burst-to-CCI policy (auto, localPrefer, enforce, off)';
  static override description = `Sets the label virtual-kubelet.io/burst-to-cci on the workload and its pod template. New pods follow it: enforce runs them on CCI; localPrefer and auto only when CCE nodes are full; off never. Existing pods move as the template change rolls them.`;
  static override examples = [
    '<%= config.bin %> burst deployment/web --policy localPrefer -n shop',
    '<%= config.bin %> burst statefulset/db --policy off',
    '<%= config.bin %> burst cronjob/report --policy enforce --context prod',
  ];
  static override args = {
    workload: Args.string({ description: 'KIND/NAME: deployment, statefulset or cronjob', required: true }),
  };
  static override flags = {
    policy: Flags.string({ description: 'auto, localPrefer, enforce or off', required: true }),
    namespace: Flags.string({
      char: 'n',
      description: 'the workload’s namespace (default: the context’s namespace, else default)',
    }),
    kubeconfig: kubeFlags.kubeconfig,
    context: kubeFlags.context,
    ...jsonFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Burst);
    const target = parseBurstTarget(args.workload);
    const policy = parseBurstPolicy(flags.policy);
    const kc = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
    // As kubectl: -n, else the namespace the context names, else "default".
    const namespace = flags.namespace ?? contextNamespace(kc) ?? 'default';
    await setBurstPolicy(kc, namespace, target, policy);
    if (flags.json) this.printJson({ kind: target.kind, namespace, name: target.name, policy });
    else this.log(`${target.kind.toLowerCase()}/${target.name} in ${namespace}: burst-to-cci=${policy}`);
  }
}
