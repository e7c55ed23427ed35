// The runtime's identity: a client certificate for `system:node:<nodeName>` in `system:nodes`, from
// the cluster's kube-apiserver-client-kubelet signer, as a kubelet holds. With it the Node
// authorizer and NodeRestriction confine the runtime as they confine a kubelet: its own Node and
// Lease, the pods bound to it, and only the Secrets and ConfigMaps those pods use. `vkctl install`
// (run by someone who may approve it) requests and approves it, and keeps it in the
// vkctl-node-credentials Secret; later applies reuse it, and request a new one when fewer than 30
// days are left, when the node name changes, or when asked to (--update-credentials).
import { firstLine } from '../errors.js';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import forge from 'node-forge';
import { kubeApiMessage } from '../kube/api-error.js';
import { readSecretStrings } from '../kube/secrets.js';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER, requestNodeCertificate } from '../kube/csr.js';

export const NODE_CREDENTIALS_SECRET = 'vkctl-node-credentials';
/** What the CSR asks for (a kubelet's default); the signer may cut it. */
const VALIDITY_SECONDS = 365 * 24 * 3600;
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const ISSUE_TIMEOUT_MS = 60_000;

export interface NodeCredentials {
  cert: string;
  key: string;
}

export interface NodeCertificateInfo {
  /** The node the certificate names (its CN without `system:node:`). */
  nodeName: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Due for renewal: fewer than 30 days left, or, for a certificate the signer made short (its CA
 * ends sooner, or its --cluster-signing-duration is short), less than a fifth of its life.
 */
export function renewalDue(info: NodeCertificateInfo, now = Date.now()): boolean {
  const lifetime = info.notAfter.getTime() - info.notBefore.getTime();
  return info.notAfter.getTime() - now < Math.min(RENEW_BEFORE_MS, lifetime / 5);
}

/** Whom a node certificate names, and until when; undefined for anything that is not one. */
export function nodeCertificateInfo(certPem: string): NodeCertificateInfo | undefined {
  try {
    const cert = forge.pki.certificateFromPem(certPem);
    const field = cert.subject.getField('CN') as { value?: unknown } | null;
    const cn = typeof field?.value === 'string' ? field.value : undefined;
    if (!cn?.startsWith('system:node:')) return undefined;
    return {
      nodeName: cn.slice('system:node:'.length),
      notBefore: cert.validity.notBefore,
      notAfter: cert.validity.notAfter,
    };
  } catch {
    return undefined;
  }
}

/** The credentials the vkctl-node-credentials Secret holds, if any. */
export async function readNodeCredentials(
  core: CoreV1Api,
  namespace: string,
): Promise<NodeCredentials | undefined> {
  const data = await readSecretStrings(core, namespace, NODE_CREDENTIALS_SECRET);
  const [cert, key] = [data?.['tls.crt'], data?.['tls.key']];
  return cert && key ? { cert, key } : undefined;
}

export interface NodeCredentialsRequest {
  kc: KubeConfig;
  core: CoreV1Api;
  namespace: string;
  nodeName: string;
  /** Request a new certificate even if the current one is good (--update-credentials). */
  renew: boolean;
  /** Nothing is requested in a dry run: the current credentials, or a placeholder, are shown. */
  dryRun: boolean;
  progress?: (message: string) => void;
}

/** Placeholders for what a dry run would request: a dry run asks the cluster for nothing. */
const NOT_YET_ISSUED: NodeCredentials = {
  cert: '(issued by the cluster at install)',
  key: '(made at install)',
};

/** Whether these credentials name the node and are not due for renewal. */
function stillGood(current: NodeCredentials | undefined, nodeName: string): current is NodeCredentials {
  const info = current && nodeCertificateInfo(current.cert);
  return !!info && info.nodeName === nodeName && !renewalDue(info);
}

/** Whether an apply would request a new certificate (none, another node's, or near its end). */
export async function nodeCredentialsDue(
  core: CoreV1Api,
  namespace: string,
  nodeName: string,
): Promise<boolean> {
  return !stillGood(await readNodeCredentials(core, namespace), nodeName);
}

export async function nodeCredentials(request: NodeCredentialsRequest): Promise<NodeCredentials> {
  const current = await readNodeCredentials(request.core, request.namespace);
  if (!request.renew && stillGood(current, request.nodeName)) return current;
  // Here a real run would request one: a dry run shows the Secret as changing (redacted anyway).
  if (request.dryRun) return NOT_YET_ISSUED;
  request.progress?.(`requesting a client certificate for system:node:${request.nodeName}`);
  const issued = await requestNodeCertificate(request.kc, {
    nodeName: request.nodeName,
    signerName: KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
    validitySeconds: VALIDITY_SECONDS,
    approval: {
      reason: 'VkctlInstall',
      message: `client certificate of the virtual node ${request.nodeName}, approved by vkctl install`,
    },
    timeoutMs: ISSUE_TIMEOUT_MS,
  }).catch((error: unknown) => {
    const reason = kubeApiMessage(error) ?? (error instanceof Error ? error.message : String(error));
    throw new Error(
      `cannot get the runtime's node certificate (system:node:${request.nodeName}) from the cluster: ${firstLine(reason)}`,
      { cause: error },
    );
  });
  return { cert: issued.cert, key: issued.key };
}
