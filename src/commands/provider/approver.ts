import { Flags } from '@oclif/core';
import { kubeFlags, logLevelFlag, VkctlCommand } from '../../command-base.js';
import { UsageError } from '../../errors.js';
import { loadKubeConfig } from '../../kube/kubeconfig.js';
import { runApprover } from '../../provider/approver.js';
import { loadProviderConfig } from '../../provider/config.js';
import { processLogger } from '../../provider/logger.js';

export default class ProviderApprover extends VkctlCommand {
  static override summary =
    'Approve the virtual node’s own kubelet-serving CSRs and, with interconnect, keep the proxy token fresh (the runtime pod’s second container)';
  static override examples = [
    '<%= config.bin %> provider approver --config /etc/vkctl/config.yaml',
    'POD_IP=10.0.0.12 <%= config.bin %> provider approver --node-name virtual-kubelet --proxy-token-file /var/run/vkctl/token --proxy-namespace kube-system',
  ];

  static override flags = {
    'node-name': Flags.string({ description: 'the virtual node whose CSRs are approved' }),
    config: Flags.string({
      description:
        'take the node name from the runtime config (the vkctl-provider-config ConfigMap’s config.yaml)',
    }),
    address: Flags.string({
      description: 'the pod’s own IP, which the runtime beside it names in its CSR (env POD_IP)',
      env: 'POD_IP',
    }),
    'proxy-token-file': Flags.string({
      description: 'with interconnect: write a vkctl-proxy token here, renewed after 80% of its life',
      dependsOn: ['proxy-namespace'],
    }),
    'proxy-namespace': Flags.string({
      description: 'namespace of the vkctl-proxy ServiceAccount (the add-on’s)',
      dependsOn: ['proxy-token-file'],
    }),
    'log-level': logLevelFlag,
    kubeconfig: kubeFlags.kubeconfig,
    context: kubeFlags.context,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ProviderApprover);
    const nodeName =
      flags['node-name'] ?? (flags.config ? loadProviderConfig(flags.config).nodeName : undefined);
    if (!nodeName) throw new UsageError('give --node-name or --config');
    const log = processLogger(flags['log-level']);
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    // In its pod: the in-cluster config from the projected ServiceAccount volume.
    const approver = await runApprover({
      kc: loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context }),
      nodeName,
      podAddress: flags.address,
      proxyToken:
        flags['proxy-token-file'] && flags['proxy-namespace']
          ? { file: flags['proxy-token-file'], namespace: flags['proxy-namespace'] }
          : undefined,
      log,
    });
    await stopped;
    await approver.stop();
  }
}
