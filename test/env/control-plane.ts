// A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler, built from their Go modules by build-control-plane.sh. Optionally a second
// kube-apiserver (own etcd prefix, own controller-manager for namespaces and garbage collection)
// that backs the CCI emulator, so CCI's Kubernetes-compatible API has real Kubernetes semantics.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import {
  createCertificateAuthority,
  createServiceAccountKey,
  issueCertificate,
  type CertificateAuthority,
} from '../../src/kube/pki.js';
import { auditPolicy } from './audit-policy.js';
import { probeHttps, writeKubeconfig } from './client-access.js';
import { forgetOnExit, freePort, ManagedProcess, removeOnExit } from './processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The default of build-control-plane.sh (VKCTL_K8S_VERSION overrides both). */
export const KUBERNETES_VERSION = '1.33.13';

export const RESTRICTED_USER = 'restricted-user';
export const RESTRICTED_GROUP = 'vkctl-test:restricted';
export { AUDITED_GROUP } from './audit-policy.js';

/** One kube-apiserver as a client sees it. */
export interface ApiServer {
  url: string;
  caPem: string;
  adminToken: string;
  adminKubeconfigPath: string;
  /** Stops it and starts it again (after `downMs`), on the same port with the same data. */
  restart(downMs?: number): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Start the second apiserver that backs the CCI emulator. */
  withCciBackend?: boolean;
  /** Where to keep data, certificates, kubeconfigs and logs; a temp dir by default. */
  dir?: string;
}

/** Runs the cached build (a no-op when the binaries exist) and returns their directory. */
export function controlPlaneBinDir(): string {
  const out = execFileSync('bash', [path.join(here, 'build-control-plane.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = out.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

function token(): string {
  return randomBytes(24).toString('hex');
}

export class ControlPlane {
  private constructor(
    readonly dir: string,
    readonly cluster: ApiServer,
    readonly restrictedKubeconfigPath: string,
    readonly cci: ApiServer | undefined,
    readonly ca: CertificateAuthority,
    private readonly processes: ManagedProcess[],
    private readonly ownsDir: boolean,
    /** Where the built binaries are (metrics-server among them). */
    readonly binDir: string,
  ) {}

  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const binDir = controlPlaneBinDir();
    const ownsDir = !options.dir;
    const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'vkctl-cp-'));
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
    if (ownsDir) removeOnExit(dir);
    const processes: ManagedProcess[] = [];
    const bin = (name: string) => path.join(binDir, name);
    const file = (name: string, content: string) => {
      const p = path.join(dir, name);
      writeFileSync(p, content, { mode: 0o600 });
      return p;
    };
    try {
      // Certificates: one CA signs the apiservers' serving certificates and the apiserver's client
      // certificate towards kubelets, and (through the controller-manager) CSRs of kubelet-serving.
      const ca = createCertificateAuthority('vkctl-test-ca');
      const caFile = file('ca.crt', ca.certPem);
      const caKeyFile = file('ca.key', ca.keyPem);
      const serving = issueCertificate(ca, {
        commonName: 'kube-apiserver',
        dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
        ipAddresses: ['127.0.0.1'],
        usage: 'server',
      });
      const kubeletClient = issueCertificate(ca, {
        commonName: 'kube-apiserver-kubelet-client',
        organization: 'system:masters',
        usage: 'client',
      });
      // The aggregation layer: the apiserver proxies aggregated APIs (metrics-server's) with a
      // client certificate from a CA of its own, which the extension server trusts for request headers.
      const frontProxyCa = createCertificateAuthority('vkctl-test-front-proxy-ca');
      const frontProxyClient = issueCertificate(frontProxyCa, {
        commonName: 'front-proxy-client',
        usage: 'client',
      });
      file('front-proxy-ca.crt', frontProxyCa.certPem);
      file('front-proxy-client.crt', frontProxyClient.certPem);
      file('front-proxy-client.key', frontProxyClient.keyPem);
      const saKey = createServiceAccountKey();
      file('serving.crt', serving.certPem);
      file('serving.key', serving.keyPem);
      file('kubelet-client.crt', kubeletClient.certPem);
      file('kubelet-client.key', kubeletClient.keyPem);
      file('sa.key', saKey.keyPem);
      file('sa.pub', saKey.publicKeyPem);

      const tokens = {
        admin: token(),
        controllerManager: token(),
        scheduler: token(),
        restricted: token(),
        cciAdmin: token(),
        cciControllerManager: token(),
      };
      // Static token file: token,user,uid,"groups". The restricted user has no group with rights;
      // tests grant it what they need through RBAC.
      file(
        'tokens.csv',
        [
          `${tokens.admin},admin,admin,"system:masters"`,
          `${tokens.controllerManager},system:kube-controller-manager,kcm,"system:masters"`,
          `${tokens.scheduler},system:kube-scheduler,scheduler,"system:masters"`,
          `${tokens.restricted},${RESTRICTED_USER},restricted,"${RESTRICTED_GROUP}"`,
          `${tokens.cciAdmin},cci-admin,cci-admin,"system:masters"`,
          `${tokens.cciControllerManager},cci-controller-manager,cci-kcm,"system:masters"`,
        ].join('\n') + '\n',
      );

      file('audit-policy.yaml', stringify(auditPolicy()));

      // etcd: one member on loopback; fsync off because test data is thrown away anyway.
      const etcdClientPort = await freePort();
      const etcdPeerPort = await freePort();
      const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
      const etcd = ManagedProcess.spawn(
        'etcd',
        bin('etcd'),
        [
          '--name=default',
          `--data-dir=${path.join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
          `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
          '--unsafe-no-fsync',
          '--log-level=warn',
        ],
        path.join(dir, 'logs', 'etcd.log'),
      );
      processes.push(etcd);
      await etcd.waitUntil(async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000, 'healthy');

      const startApiServer = async (
        name: string,
        etcdPrefix: string,
        serviceRange: string,
        adminToken: string,
        extraArgs: string[],
      ): Promise<ApiServer> => {
        const port = await freePort();
        const url = `https://127.0.0.1:${port}`;
        const args = [
          `--etcd-servers=${etcdUrl}`,
          `--etcd-prefix=${etcdPrefix}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${path.join(dir, `${name}-certs`)}`,
          `--tls-cert-file=${path.join(dir, 'serving.crt')}`,
          `--tls-private-key-file=${path.join(dir, 'serving.key')}`,
          `--client-ca-file=${caFile}`,
          `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
          '--authorization-mode=Node,RBAC',
          `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
          `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
          `--service-cluster-ip-range=${serviceRange}`,
          '--allow-privileged=true',
          // Webhooks and aggregated APIs are called at a Service's endpoint IP, not its ClusterIP
          // (nothing routes ClusterIPs here); the sandbox's runtime answers at 127.0.0.1.
          '--enable-aggregator-routing=true',
          '--profiling=false',
          // The audit log holds the audited group's requests as they arrive (status writes also as
          // answered) and the scheduler's bindings as answered; nothing else.
          `--audit-policy-file=${path.join(dir, 'audit-policy.yaml')}`,
          `--audit-log-path=${path.join(dir, 'logs', `${name}.audit.log`)}`,
          ...extraArgs,
        ];
        const launch = async () => {
          const child = ManagedProcess.spawn(
            name,
            bin('kube-apiserver'),
            args,
            path.join(dir, 'logs', `${name}.log`),
          );
          processes.push(child);
          await child.waitUntil(() => probeHttps(`${url}/readyz`, ca.certPem, adminToken), 90_000, 'ready');
          return child;
        };
        let apiserver = await launch();
        // Chaos tests restart it as an outage would: stopped, then started again on the same port.
        const restart = async (downMs = 0) => {
          await apiserver.stop();
          processes.splice(processes.indexOf(apiserver), 1);
          await new Promise((resolve) => setTimeout(resolve, downMs));
          apiserver = await launch();
        };
        const adminKubeconfigPath = path.join(dir, `${name}.admin.kubeconfig`);
        writeKubeconfig(adminKubeconfigPath, url, ca.certPem, 'admin', adminToken);
        return { url, caPem: ca.certPem, adminToken, adminKubeconfigPath, restart };
      };

      const startControllerManager = async (
        name: string,
        server: ApiServer,
        kcmToken: string,
        controllers: string,
      ): Promise<void> => {
        const kubeconfig = path.join(dir, `${name}.kubeconfig`);
        writeKubeconfig(kubeconfig, server.url, ca.certPem, name, kcmToken);
        const kcm = ManagedProcess.spawn(
          name,
          bin('kube-controller-manager'),
          [
            `--kubeconfig=${kubeconfig}`,
            '--leader-elect=false',
            '--bind-address=127.0.0.1',
            `--secure-port=${await freePort()}`,
            `--service-account-private-key-file=${path.join(dir, 'sa.key')}`,
            `--root-ca-file=${caFile}`,
            '--use-service-account-credentials=false',
            `--cluster-signing-cert-file=${caFile}`,
            `--cluster-signing-key-file=${caKeyFile}`,
            `--controllers=${controllers}`,
            '--kube-api-qps=200',
            '--kube-api-burst=400',
          ],
          path.join(dir, 'logs', `${name}.log`),
        );
        processes.push(kcm);
      };

      const cluster = await startApiServer('kube-apiserver', '/registry', '10.96.0.0/16', tokens.admin, [
        `--kubelet-client-certificate=${path.join(dir, 'kubelet-client.crt')}`,
        `--kubelet-client-key=${path.join(dir, 'kubelet-client.key')}`,
        `--kubelet-certificate-authority=${caFile}`,
        // As CCE runs it: the Node authorizer (above, for every apiserver) and NodeRestriction, which
        // confine a node's writes to its own Node, its own pods' status and CSRs for its own name.
        '--enable-admission-plugins=NodeRestriction',
        `--requestheader-client-ca-file=${path.join(dir, 'front-proxy-ca.crt')}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        `--proxy-client-cert-file=${path.join(dir, 'front-proxy-client.crt')}`,
        `--proxy-client-key-file=${path.join(dir, 'front-proxy-client.key')}`,
      ]);
      await startControllerManager('kube-controller-manager', cluster, tokens.controllerManager, '*');

      const schedulerKubeconfig = path.join(dir, 'kube-scheduler.kubeconfig');
      writeKubeconfig(
        schedulerKubeconfig,
        cluster.url,
        ca.certPem,
        'system:kube-scheduler',
        tokens.scheduler,
      );
      processes.push(
        ManagedProcess.spawn(
          'kube-scheduler',
          bin('kube-scheduler'),
          [
            `--kubeconfig=${schedulerKubeconfig}`,
            '--leader-elect=false',
            '--bind-address=127.0.0.1',
            `--secure-port=${await freePort()}`,
            '--kube-api-qps=200',
            '--kube-api-burst=400',
          ],
          path.join(dir, 'logs', 'kube-scheduler.log'),
        ),
      );

      const restrictedKubeconfigPath = path.join(dir, 'restricted.kubeconfig');
      writeKubeconfig(restrictedKubeconfigPath, cluster.url, ca.certPem, RESTRICTED_USER, tokens.restricted);

      let cci: ApiServer | undefined;
      if (options.withCciBackend) {
        // CCI's own Service range is 10.247.0.0/16 (the reason cluster subnets must not overlap it).
        // No ServiceAccount admission: CCI pods do not get the cluster's service-account tokens.
        cci = await startApiServer('cci-apiserver', '/cci-registry', '10.247.0.0/16', tokens.cciAdmin, [
          '--disable-admission-plugins=ServiceAccount',
        ]);
        await startControllerManager(
          'cci-controller-manager',
          cci,
          tokens.cciControllerManager,
          'namespace-controller,garbage-collector-controller',
        );
      }

      return new ControlPlane(dir, cluster, restrictedKubeconfigPath, cci, ca, processes, ownsDir, binDir);
    } catch (error) {
      for (const p of processes.reverse()) await p.stop();
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Typed-client configuration for the admin user (or the restricted user). */
  kubeConfig(user: 'admin' | 'restricted' = 'admin'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(user === 'admin' ? this.cluster.adminKubeconfigPath : this.restrictedKubeconfigPath);
    return kc;
  }

  cciKubeConfig(): KubeConfig {
    if (!this.cci) throw new Error('this control plane was started without the CCI backend');
    const kc = new KubeConfig();
    kc.loadFromFile(this.cci.adminKubeconfigPath);
    return kc;
  }

  /** The audited group's requests and the scheduler's bindings, one JSON event per line. */
  get auditLogPath(): string {
    return path.join(this.dir, 'logs', 'kube-apiserver.audit.log');
  }

  /** Looks up a component by name, e.g. to restart the apiserver in a fault test. */
  process(name: string): ManagedProcess | undefined {
    return this.processes.find((p) => p.name === name);
  }

  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop();
    if (this.ownsDir && !process.env.VKCTL_KEEP_TEST_DIR) rmSync(this.dir, { recursive: true, force: true });
    forgetOnExit(this.dir);
  }
}
