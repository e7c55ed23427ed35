// The approver of the runtime's kubelet-serving CSRs. Nothing in Kubernetes approves kubelet-serving
// CSRs, and the signer issues whatever DNS names and IPs a CSR names, so approving is where the
// names are checked. The runtime itself (the node user) may approve nothing, as a kubelet may
// approve nothing: this runs in a second container of the runtime's pod, as the vkctl-provider
// ServiceAccount (manifests, 20-rbac.yaml), and approves only a CSR that its own node made for a
// certificate naming only that node: its name and its addresses. Anything else is left alone, never
// denied: a CSR of another node or signer is someone else's to decide.
import {
  CertificatesV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1CertificateSigningRequest,
} from '@kubernetes/client-node';
import { isIPv4, isIPv6 } from 'node:net';
import forge from 'node-forge';
import { KUBELET_SERVING_SIGNER } from '../../kube/csr.js';
import { startInformer, type RunningInformer } from '../../kube/informer.js';
import { errorText, type Logger } from '../logger.js';
import { isNotFound } from '../../kube/errors.js';

export const APPROVAL_REASON = 'VkctlServingApprover';
/** What a kubelet-serving certificate may be used for (key encipherment: RSA keys). */
const ALLOWED_USAGES = new Set(['digital signature', 'key encipherment', 'server auth']);
const CN_OID = forge.pki.oids.commonName ?? '2.5.4.3';
const O_OID = forge.pki.oids.organizationName ?? '2.5.4.10';
/** subjectAltName types (RFC 5280 GeneralName): only dNSName and iPAddress are allowed. */
const SAN_DNS = 2;
const SAN_IP = 7;
/** Pending CSRs are looked at again this often: a Node's addresses may have changed since. */
const RESYNC_MS = 30_000;

export type Verdict =
  | { kind: 'approve' }
  /** Not this approver's to decide (another signer or requester, or already decided). */
  | { kind: 'not-ours'; reason: string }
  /** This node's own CSR, but it asks for more than its node: left pending. */
  | { kind: 'refuse'; reason: string };

function isPending(csr: V1CertificateSigningRequest): boolean {
  return !csr.status?.certificate && !(csr.status?.conditions ?? []).some((c) => c.status === 'True');
}

/** An IP in one spelling (IPv6 has many), or undefined when it is not an IP. */
function canonicalIp(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  // The URL parser writes an IPv6 address in its one canonical form (RFC 5952).
  if (isIPv6(ip)) return new URL(`http://[${ip}]/`).hostname;
  return undefined;
}

interface AltName {
  type: number;
  value?: string;
  ip?: string;
}

/**
 * Whether to approve CSR for `nodeName`, whose addresses are `addresses` (the Node's, and the
 * runtime pod's own IP). Pure, so each check is unit-tested (test/unit/serving-approver.test.ts).
 */
export function judgeServingCsr(
  csr: V1CertificateSigningRequest,
  nodeName: string,
  addresses: readonly string[],
): Verdict {
  const user = `system:node:${nodeName}`;
  if (csr.spec.signerName !== KUBELET_SERVING_SIGNER)
    return { kind: 'not-ours', reason: `signer ${csr.spec.signerName}` };
  if (csr.spec.username !== user) return { kind: 'not-ours', reason: `requested by ${csr.spec.username}` };
  if (!isPending(csr)) return { kind: 'not-ours', reason: 'already decided' };

  const usages = csr.spec.usages ?? [];
  const extra = usages.filter((u) => !ALLOWED_USAGES.has(u));
  if (extra.length > 0) return { kind: 'refuse', reason: `usages ${extra.join(', ')} not allowed` };
  if (!usages.includes('server auth')) return { kind: 'refuse', reason: 'usages lack server auth' };

  let request: forge.pki.CertificateSigningRequest;
  try {
    // forge reads RSA keys only; the runtime makes RSA keys (src/kube/csr.ts).
    request = forge.pki.certificationRequestFromPem(Buffer.from(csr.spec.request, 'base64').toString('utf8'));
  } catch (error) {
    return { kind: 'refuse', reason: `request does not parse: ${errorText(error)}` };
  }
  if (!request.verify()) return { kind: 'refuse', reason: 'request signature does not verify' };

  const subject = request.subject.attributes as { type?: string; value?: unknown }[];
  const cn = subject.filter((a) => a.type === CN_OID).map((a) => String(a.value));
  const o = subject.filter((a) => a.type === O_OID).map((a) => String(a.value));
  if (cn.length !== 1 || cn[0] !== user)
    return { kind: 'refuse', reason: `subject CN ${cn.join(',')} is not ${user}` };
  if (o.length !== 1 || o[0] !== 'system:nodes')
    return { kind: 'refuse', reason: `subject O ${o.join(',')} is not exactly system:nodes` };
  if (subject.length !== 2) return { kind: 'refuse', reason: 'subject has attributes other than CN and O' };

  const extensions =
    (
      request.getAttribute({ name: 'extensionRequest' }) as {
        extensions?: { name?: string; altNames?: AltName[] }[];
      } | null
    )?.extensions ?? [];
  const altNames = extensions.filter((e) => e.name === 'subjectAltName').flatMap((e) => e.altNames ?? []);
  const allowedIps = new Set(addresses.map(canonicalIp).filter((ip): ip is string => ip !== undefined));
  for (const name of altNames) {
    if (name.type === SAN_DNS) {
      if (name.value !== nodeName)
        return { kind: 'refuse', reason: `DNS name ${name.value} is not the node's name` };
    } else if (name.type === SAN_IP) {
      const ip = name.ip ? canonicalIp(name.ip) : undefined;
      if (!ip || !allowedIps.has(ip))
        return {
          kind: 'refuse',
          reason: `IP ${name.ip ?? '?'} is not an address of the node (${addresses.join(', ')})`,
        };
    } else
      return {
        kind: 'refuse',
        reason: `subject alternative name of type ${name.type} (only DNS and IP allowed)`,
      };
  }
  return { kind: 'approve' };
}

export interface ServingApproverOptions {
  nodeName: string;
  /** The runtime pod's own IP: the runtime names it before its Node shows it (a new pod's new IP). */
  podAddress?: string;
  log: Logger;
  resyncMs?: number;
}

/** Watches kubelet-serving CSRs and approves those judgeServingCsr approves. */
export class ServingApprover {
  private informer: RunningInformer<V1CertificateSigningRequest> | undefined;
  private resync: NodeJS.Timeout | undefined;
  private readonly certificates: CertificatesV1Api;
  private readonly core: CoreV1Api;
  /** Refusals already logged (name@resourceVersion: reason), so a resync does not repeat them. */
  private readonly warned = new Set<string>();
  /** One pass at a time: events come faster than approvals. */
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: ServingApproverOptions,
  ) {
    this.certificates = kc.makeApiClient(CertificatesV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Starts watching; resolves once the first list is seen. */
  async start(): Promise<void> {
    const { log } = this.options;
    const consider = (csr: V1CertificateSigningRequest) => this.enqueue(csr);
    this.informer = startInformer<V1CertificateSigningRequest>(
      this.kc,
      '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      () =>
        this.certificates.listCertificateSigningRequest({
          fieldSelector: `spec.signerName=${KUBELET_SERVING_SIGNER}`,
        }),
      {
        add: consider,
        update: consider,
        delete: (csr) => {
          for (const key of this.warned)
            if (key.startsWith(`${csr.metadata?.name}@`)) this.warned.delete(key);
        },
        error: (error) => log.warn('watching CSRs failed; restarting', { error: errorText(error) }),
      },
      { fieldSelector: `spec.signerName=${KUBELET_SERVING_SIGNER}` },
    );
    await this.informer.synced;
    const resync = () => {
      for (const csr of this.informer?.list() ?? []) if (isPending(csr)) this.enqueue(csr);
      if (!this.stopped) this.resync = setTimeout(resync, this.options.resyncMs ?? RESYNC_MS).unref();
    };
    resync();
    log.info('approving this node’s kubelet-serving CSRs', { node: this.options.nodeName });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.resync);
    await this.informer?.stop();
    await this.chain;
  }

  private enqueue(csr: V1CertificateSigningRequest): void {
    this.chain = this.chain
      .then(() => this.consider(csr))
      .catch((error: unknown) =>
        this.options.log.warn('approving a CSR failed; retried at the next resync', {
          csr: csr.metadata?.name,
          error: errorText(error),
        }),
      );
  }

  /** The node's addresses (none while it does not exist yet) and the pod's own. */
  private async addresses(): Promise<string[]> {
    const node = await this.core.readNode({ name: this.options.nodeName }).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    const own = (node?.status?.addresses ?? []).map((a) => a.address);
    return this.options.podAddress ? [...own, this.options.podAddress] : own;
  }

  private async consider(seen: V1CertificateSigningRequest): Promise<void> {
    if (this.stopped) return;
    const { log, nodeName } = this.options;
    const name = seen.metadata?.name ?? '';
    const first = judgeServingCsr(seen, nodeName, []);
    if (first.kind === 'not-ours') {
      log.debug('CSR left alone: not this node’s pending kubelet-serving CSR', {
        csr: name,
        reason: first.reason,
      });
      return;
    }
    // Judged again on a fresh read with the node's current addresses, just before approving.
    const csr = await this.certificates.readCertificateSigningRequest({ name });
    const verdict = judgeServingCsr(csr, nodeName, await this.addresses());
    if (verdict.kind === 'not-ours') return;
    if (verdict.kind === 'refuse') {
      const key = `${name}@${csr.metadata?.resourceVersion}: ${verdict.reason}`;
      if (!this.warned.has(key)) {
        this.warned.add(key);
        log.warn('this node’s kubelet-serving CSR asks for more than its node; left pending', {
          csr: name,
          check: verdict.reason,
        });
      }
      return;
    }
    await this.certificates.replaceCertificateSigningRequestApproval({
      name,
      body: {
        ...csr,
        status: {
          ...csr.status,
          conditions: [
            ...(csr.status?.conditions ?? []),
            {
              type: 'Approved',
              status: 'True',
              reason: APPROVAL_REASON,
              message: `kubelet-serving certificate of ${nodeName} for its own name and addresses`,
            },
          ],
        },
      },
    });
    log.info('approved the node’s kubelet-serving CSR', { csr: name });
  }
}
