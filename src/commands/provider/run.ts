import { isIP } from 'node:net';
import os from 'node:os';
import { Flags } from '@oclif/core';
import { kubeFlags, logLevelFlag, VkctlCommand } from '../../command-base.js';
import { UsageError } from '../../errors.js';
import { loadKubeConfig } from '../../kube/kubeconfig.js';
import { nodeKubeConfig } from '../../kube/node-kubeconfig.js';
import { kubeletServing, loadProviderConfig, readWebhookCertificate } from '../../provider/config.js';
import { processLogger } from '../../provider/logger.js';
import { runProvider } from '../../provider/run.js';

export default class ProviderRun extends VkctlCommand {
  static override summary =
    'Run the provider runtime: the virtual node and its pods on CCI (what the add-on’s Deployment runs)';
  static override examples = [
    'HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... <%= config.bin %> provider run --config /etc/vkctl/config.yaml --kubelet-serving csr --leader-elect',
    '<%= config.bin %> provider run --config config.yaml --kubeconfig ~/.kube/config --kubelet-cert-dir ./certs --log-level debug',
    '<%= config.bin %> provider run --config config.yaml --bind-address 192.168.0.10',
  ];
  static override flags = {
    config: Flags.string({
      description: 'runtime config (the vkctl-provider-config ConfigMap’s config.yaml)',
      required: true,
    }),
    address: Flags.string({
      description: 'address of this runtime for the node (env POD_IP)',
      env: 'POD_IP',
      default: '127.0.0.1',
    }),
    'bind-address': Flags.string({
      description:
        'IP address the kubelet API, /healthz and /metrics, and the webhook listen on (0.0.0.0 or :: for every interface, IPv4 and IPv6, as the kubelet’s --address)',
      default: '0.0.0.0',
    }),
    'kubelet-port': Flags.integer({ description: 'port of the kubelet API', default: 10250 }),
    'health-port': Flags.integer({ description: 'port of /healthz, /readyz and /metrics', default: 9090 }),
    'webhook-cert-dir': Flags.string({
      description:
        'serve the burst-policy webhook with tls.crt and tls.key from this directory; its ca.crt and ca.key issue the kubelet certificate where the cluster does not',
      default: '/etc/vkctl/webhook',
    }),
    'webhook-port': Flags.integer({ description: 'port of the burst-policy webhook', default: 8443 }),
    'kubelet-cert-dir': Flags.string({
      description: 'serve the kubelet API with tls.crt and tls.key from this directory (not served without)',
    }),
    'kubelet-serving': Flags.string({
      description: 'serve the kubelet API with a certificate the cluster issues (a kubelet-serving CSR)',
      options: ['csr', 'off'],
      default: 'off',
    }),
    'kubelet-cert-validity': Flags.string({
      description: 'lifetime the kubelet-serving CSR asks for (the signer may cut it)',
      default: '720h',
    }),
    'kubelet-cert-renew-at': Flags.string({
      description: 'renew the kubelet-serving certificate after this share of its lifetime',
      default: '0.8',
    }),
    'client-ca-file': Flags.string({
      description: 'CA that signs client certificates for the kubelet API (the cluster CA)',
      default: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    }),
    'node-credentials-dir': Flags.string({
      description:
        'act as the node: its client certificate (tls.crt, tls.key; the vkctl-node-credentials Secret), which the Node authorizer confines as it confines a kubelet',
    }),
    'cluster-ca-file': Flags.string({
      description: 'CA of the apiserver when no kubeconfig is given (the kube-root-ca.crt ConfigMap)',
      default: '/etc/vkctl/cluster-ca/ca.crt',
    }),
    'proxy-token-file': Flags.string({
      description:
        'with interconnect: the vkctl-proxy token the approver container writes (waited for until it exists), handed on to the sidecars (a node may not request one)',
    }),
    'leader-elect': Flags.boolean({
      description: 'act only while holding the vkctl-provider Lease (for more than one replica)',
      default: false,
    }),
    'leader-election-namespace': Flags.string({
      description:
        'namespace of the leader Lease (env POD_NAMESPACE); as a node (--node-credentials-dir) the lock is the node’s own Lease in kube-node-lease',
      env: 'POD_NAMESPACE',
      default: 'kube-system',
    }),
    'log-level': logLevelFlag,
    kubeconfig: kubeFlags.kubeconfig,
    context: kubeFlags.context,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ProviderRun);
    const bindAddress = listenAddress(flags['bind-address']);
    const accessKey = process.env.HUAWEICLOUD_SDK_AK;
    const secretKey = process.env.HUAWEICLOUD_SDK_SK;
    if (!accessKey || !secretKey)
      throw new UsageError('HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK must be set');
    const log = processLogger(flags['log-level']);
    const identity = process.env.POD_NAME || `${os.hostname()}-${process.pid}`;
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    const kubeFlags = { kubeconfig: flags.kubeconfig, context: flags.context };
    const config = loadProviderConfig(flags.config);
    const credentialsDir = flags['node-credentials-dir'];
    const provider = await runProvider({
      kc: credentialsDir
        ? nodeKubeConfig(
            { credentialsDir, clusterCaFile: flags['cluster-ca-file'] },
            flags.kubeconfig || process.env.KUBECONFIG ? loadKubeConfig(kubeFlags) : undefined,
          )
        : loadKubeConfig(kubeFlags),
      proxyTokenFile: flags['proxy-token-file'],
      config,
      credentials: { accessKey, secretKey },
      address: flags.address,
      kubeletPort: flags['kubelet-port'],
      healthPort: flags['health-port'],
      bindAddress,
      webhook: readWebhookCertificate(flags['webhook-cert-dir'], flags['webhook-port']),
      kubelet: kubeletServing({
        certDir: flags['kubelet-cert-dir'],
        fromCluster: flags['kubelet-serving'] === 'csr',
        clientCaFile: flags['client-ca-file'],
        certValidity: flags['kubelet-cert-validity'],
        certRenewAt: flags['kubelet-cert-renew-at'],
        fallbackCaDir: flags['webhook-cert-dir'],
      }),
      log,
      leaderElection: flags['leader-elect']
        ? credentialsDir
          ? // As a node, the one Lease it may write is its own: the node's Lease is the lock.
            { namespace: 'kube-node-lease', name: config.nodeName, identity }
          : { namespace: flags['leader-election-namespace'], name: 'vkctl-provider', identity }
        : undefined,
    });
    // The runtime ends on a signal, or on its own when it lost the lead or could not start.
    await Promise.race([stopped, provider.done]);
    await provider.stop();
    // A replica that lost the lead or failed to start exits non-zero: its Deployment restarts it clean.
    if (provider.err !== undefined) this.exit(1);
  }
}

/**
 * Where the listeners bind: undefined (Node's every interface, IPv4 and IPv6, as a Go server's
 * 0.0.0.0 is) for 0.0.0.0 and ::, else the address given, which must be an IP.
 */
function listenAddress(value: string): string | undefined {
  if (isIP(value) === 0)
    throw new UsageError(
      `--bind-address must be an IP address (such as 0.0.0.0 or 10.0.0.5), not "${value}"`,
    );
  return value === '0.0.0.0' || value === '::' ? undefined : value;
}
