// The kubelet API's serving certificate, obtained as a kubelet obtains it: a CertificateSigningRequest
// with signer kubernetes.io/kubelet-serving for `system:node:<node>` in `system:nodes`, naming the
// node's name and address. The cluster signs it (the controller-manager's signer, whose CA the
// apiserver trusts with --kubelet-certificate-authority), so `kubectl logs` needs no skip-verify.
// Nothing in Kubernetes approves serving CSRs, and the runtime, a node, may approve nothing (as a
// kubelet may not): the approver container beside it (`provider approver`,
// serving-approver.ts) approves it, having checked that it names only this node's name and
// addresses. Where no one approves it within the timeout, or the cluster does not issue it, the
// add-on's CA does.
import type { KubeConfig } from '@kubernetes/client-node';
import forge from 'node-forge';
import { KUBELET_SERVING_SIGNER, requestNodeCertificate, type IssuedCertificate } from '../../kube/csr.js';
import { issueCertificate, loadCertificateAuthority } from '../../kube/pki.js';
import { errorText, type Logger } from '../logger.js';

export { KUBELET_SERVING_SIGNER };
/** What the CSR asks for; the signer may cut it (the controller-manager's --cluster-signing-duration). */
export const DEFAULT_VALIDITY_SECONDS = 30 * 24 * 3600;

export type ServingCertificate = IssuedCertificate;

const isIp = (address: string) => /^\d+\.\d+\.\d+\.\d+$/.test(address);

/** Requests a serving certificate for the node's name and address and waits for someone to approve it. */
export function requestServingCertificate(
  kc: KubeConfig,
  nodeName: string,
  address: string,
  validitySeconds = DEFAULT_VALIDITY_SECONDS,
  timeoutMs = 60_000,
): Promise<ServingCertificate> {
  return requestNodeCertificate(kc, {
    nodeName,
    signerName: KUBELET_SERVING_SIGNER,
    dnsNames: [nodeName, ...(isIp(address) ? [] : [address])],
    ipAddresses: isIp(address) ? [address] : [],
    validitySeconds,
    timeoutMs,
  });
}

/** Issues the serving certificate from the add-on's own CA (the vkctl-webhook-tls Secret's). */
export function issueFromAddonCa(
  ca: { cert: string; key: string },
  nodeName: string,
  address: string,
  validitySeconds = DEFAULT_VALIDITY_SECONDS,
): ServingCertificate {
  const ip = isIp(address);
  const issued = issueCertificate(loadCertificateAuthority(ca.cert, ca.key), {
    commonName: `system:node:${nodeName}`,
    organization: 'system:nodes',
    dnsNames: [nodeName, ...(ip ? [] : [address])],
    ipAddresses: ip ? [address] : [],
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
