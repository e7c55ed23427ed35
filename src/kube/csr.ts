// A certificate from the cluster, as a kubelet gets its own: a key made here, a CertificateSigningRequest
// for `system:node:<node>` in `system:nodes` with one of the two node signers, an approval (where
// the caller may approve), and a wait for the controller-manager's signer to issue it. One place for
// the node client certificate (`vkctl install`) and the kubelet serving certificate (the runtime).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CertificatesV1Api, type KubeConfig } from '@kubernetes/client-node';
import forge from 'node-forge';
import { isConflict } from './errors.js';

/** Client certificates of kubelets: the Node authorizer and NodeRestriction confine their holder. */
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

export interface IssuedCertificate {
  cert: string;
  key: string;
  notAfter: Date;
}

export interface NodeCertificateRequest {
  nodeName: string;
  signerName: typeof KUBE_APISERVER_CLIENT_KUBELET_SIGNER | typeof KUBELET_SERVING_SIGNER;
  /** Subject alternative names (serving certificates only; the client signer refuses any). */
  dnsNames?: string[];
  ipAddresses?: string[];
  /** What the CSR asks for; the signer may cut it (the controller-manager's --cluster-signing-duration). */
  validitySeconds: number;
  /** Approve it with these words; without, wait for someone else to (an approver, an admin). */
  approval?: { reason: string; message: string };
  timeoutMs: number;
}

function certificateRequest(request: NodeCertificateRequest): { csrPem: string; keyPem: string } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([
    { name: 'commonName', value: `system:node:${request.nodeName}` },
    { name: 'organizationName', value: 'system:nodes' },
  ]);
  const altNames = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(request.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length > 0)
    csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return {
    csrPem: forge.pki.certificationRequestToPem(csr),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/** The usages each signer accepts (RSA keys may also ask for key encipherment). */
function usagesOf(signerName: NodeCertificateRequest['signerName']): string[] {
  return signerName === KUBELET_SERVING_SIGNER
    ? ['digital signature', 'key encipherment', 'server auth']
    : ['digital signature', 'key encipherment', 'client auth'];
}

/** Requests a certificate for the node, approves it when asked to, and waits for it. */
export async function requestNodeCertificate(
  kc: KubeConfig,
  request: NodeCertificateRequest,
): Promise<IssuedCertificate> {
  const certificates = kc.makeApiClient(CertificatesV1Api);
  const { csrPem, keyPem } = certificateRequest(request);
  const kind = request.signerName === KUBELET_SERVING_SIGNER ? 'serving' : 'client';
  const name = `vkctl-${request.nodeName}-${kind}-${randomBytes(4).toString('hex')}`.slice(0, 253);
  await certificates.createCertificateSigningRequest({
    body: {
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'vkctl' } },
      spec: {
        request: Buffer.from(csrPem).toString('base64'),
        signerName: request.signerName,
        usages: usagesOf(request.signerName),
        expirationSeconds: request.validitySeconds,
      },
    },
  });
  try {
    if (request.approval) await approve(certificates, name, request.approval);
    return await waitForCertificate(certificates, name, keyPem, request.timeoutMs);
  } catch (error) {
    // A request that will not be issued is not left pending.
    await certificates.deleteCertificateSigningRequest({ name }).catch(() => undefined);
    throw error;
  }
}

async function approve(
  certificates: CertificatesV1Api,
  name: string,
  approval: { reason: string; message: string },
): Promise<void> {
  // The controller-manager's approver may act on it at the same moment (it approves a client CSR
  // whose requester may ask for node client certificates): a conflict is read again, and a CSR
  // approved meanwhile is left as it is.
  for (let attempt = 1; ; attempt += 1) {
    const csr = await certificates.readCertificateSigningRequest({ name });
    if (csr.status?.conditions?.some((c) => c.type === 'Approved')) return;
    try {
      await certificates.replaceCertificateSigningRequestApproval({
        name,
        body: {
          ...csr,
          status: { ...csr.status, conditions: [{ type: 'Approved', status: 'True', ...approval }] },
        },
      });
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= 5) throw error;
    }
  }
}

async function waitForCertificate(
  certificates: CertificatesV1Api,
  name: string,
  keyPem: string,
  timeoutMs: number,
): Promise<IssuedCertificate> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const current = await certificates.readCertificateSigningRequest({ name });
    const issued = current.status?.certificate;
    if (issued) {
      const cert = Buffer.from(issued, 'base64').toString('utf8');
      return { cert, key: keyPem, notAfter: forge.pki.certificateFromPem(cert).validity.notAfter };
    }
    const failed = current.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
    if (failed)
      throw new Error(`certificate request ${name}: ${failed.type}: ${failed.message ?? failed.reason}`);
    await sleep(200);
  }
  const approved = (await certificates.readCertificateSigningRequest({ name })).status?.conditions?.some(
    (c) => c.type === 'Approved',
  );
  throw new Error(
    `certificate request ${name} was not issued within ${timeoutMs / 1000} s` +
      (approved
        ? // eslint-disable-next-line vkctl/no-flag-spelling -- the controller-manager's flag, not vkctl's
          ' (approved; is the controller-manager signing with --cluster-signing-cert-file?)'
        : ' (nobody approved it)'),
  );
}
