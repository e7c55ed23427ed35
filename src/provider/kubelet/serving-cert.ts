// The kubelet API's serving certificate, obtained as a kubelet obtains it: a CertificateSigningRequest
// with signer kubernetes.io/kubelet-serving for `system:node:<node>` in `system:nodes`, naming the
// node's address. The cluster signs it (the controller-manager's signer, whose CA the apiserver
// trusts with --kubelet-certificate-authority), so `kubectl logs` needs no skip-verify. Nothing in
// Kubernetes approves serving CSRs by itself; the runtime approves its own, which its ClusterRole
// allows for this signer only. Where the cluster does not issue it, the add-on's CA does.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CertificatesV1Api, type KubeConfig } from '@kubernetes/client-node';
import forge from 'node-forge';
import { issueCertificate, loadCertificateAuthority } from '../../kube/pki.js';
import { errorText, type Logger } from '../logger.js';

export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
/** What the CSR asks for; the signer may cut it (the controller-manager's --cluster-signing-duration). */
export const DEFAULT_VALIDITY_SECONDS = 30 * 24 * 3600;

export interface ServingCertificate {
  cert: string;
  key: string;
  notAfter: Date;
}

function certificateRequest(nodeName: string, address: string): { csrPem: string; keyPem: string } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([
    { name: 'commonName', value: `system:node:${nodeName}` },
    { name: 'organizationName', value: 'system:nodes' },
  ]);
  const isIp = /^\d+\.\d+\.\d+\.\d+$/.test(address);
  csr.setAttributes([
    {
      name: 'extensionRequest',
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: nodeName },
            isIp ? { type: 7, ip: address } : { type: 2, value: address },
          ],
        },
      ],
    },
  ]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return {
    csrPem: forge.pki.certificationRequestToPem(csr),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/** Requests, approves and waits for a serving certificate for the node's address. */
export async function requestServingCertificate(
  kc: KubeConfig,
  nodeName: string,
  address: string,
  validitySeconds = DEFAULT_VALIDITY_SECONDS,
  timeoutMs = 60_000,
): Promise<ServingCertificate> {
  const certificates = kc.makeApiClient(CertificatesV1Api);
  const { csrPem, keyPem } = certificateRequest(nodeName, address);
  const name = `vkctl-${nodeName}-serving-${randomBytes(4).toString('hex')}`.slice(0, 253);
  await certificates.createCertificateSigningRequest({
    body: {
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'vkctl' } },
      spec: {
        request: Buffer.from(csrPem).toString('base64'),
        signerName: KUBELET_SERVING_SIGNER,
        usages: ['digital signature', 'key encipherment', 'server auth'],
        expirationSeconds: validitySeconds,
      },
    },
  });
  try {
    return await approveAndWait(certificates, name, nodeName, keyPem, timeoutMs);
  } catch (error) {
    // A request that will not be issued is not left pending.
    await certificates.deleteCertificateSigningRequest({ name }).catch(() => undefined);
    throw error;
  }
}

async function approveAndWait(
  certificates: CertificatesV1Api,
  name: string,
  nodeName: string,
  keyPem: string,
  timeoutMs: number,
): Promise<ServingCertificate> {
  const csr = await certificates.readCertificateSigningRequest({ name });
  await certificates.replaceCertificateSigningRequestApproval({
    name,
    body: {
      ...csr,
      status: {
        conditions: [
          {
            type: 'Approved',
            status: 'True',
            reason: 'VkctlServingCertificate',
            message: `serving certificate of the virtual node ${nodeName}, approved by its runtime`,
          },
        ],
      },
    },
  });
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
      throw new Error(`serving certificate ${name}: ${failed.type}: ${failed.message ?? failed.reason}`);
    await sleep(200);
  }
  throw new Error(`serving certificate ${name} was not issued within ${timeoutMs / 1000} s`);
}

/** Issues the serving certificate from the add-on's own CA (the vkctl-webhook-tls Secret's). */
export function issueFromAddonCa(
  ca: { cert: string; key: string },
  nodeName: string,
  address: string,
  validitySeconds = DEFAULT_VALIDITY_SECONDS,
): ServingCertificate {
  const isIp = /^\d+\.\d+\.\d+\.\d+$/.test(address);
  const issued = issueCertificate(loadCertificateAuthority(ca.cert, ca.key), {
    commonName: `system:node:${nodeName}`,
    organization: 'system:nodes',
    dnsNames: [nodeName, ...(isIp ? [] : [address])],
    ipAddresses: isIp ? [address] : [],
    usage: 'server',
    validDays: Math.max(1, Math.round(validitySeconds / 86_400)),
  });
  return {
    cert: issued.certPem,
    key: issued.keyPem,
    notAfter: forge.pki.certificateFromPem(issued.certPem).validity.notAfter,
  };
}

/**
 * The serving certificate from the cluster (a kubelet-serving CSR) where the cluster signs those,
 * else from the add-on's CA: then the apiserver verifies it only if told to trust that CA, and says
 * so in an x509 error otherwise, which the warning logged here explains.
 */
export async function obtainServingCertificate(options: {
  kc: KubeConfig;
  nodeName: string;
  address: string;
  validitySeconds: number;
  fallbackCa?: { cert: string; key: string };
  csrTimeoutMs?: number;
  log: Logger;
}): Promise<ServingCertificate> {
  try {
    return await requestServingCertificate(
      options.kc,
      options.nodeName,
      options.address,
      options.validitySeconds,
      options.csrTimeoutMs,
    );
  } catch (error) {
    if (!options.fallbackCa) throw error;
    options.log.warn('the cluster did not issue a kubelet-serving certificate; using the add-on CA', {
      error: errorText(error),
      hint: "the apiserver verifies it only with the add-on CA (vkctl-webhook-tls's ca.crt) in --kubelet-certificate-authority",
    });
    return issueFromAddonCa(options.fallbackCa, options.nodeName, options.address, options.validitySeconds);
  }
}
