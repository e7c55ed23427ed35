// The burst-policy webhook's CA and serving certificate. Generated at install and kept in the
// vkctl-webhook-tls Secret; later applies reuse them, and issue a new serving certificate from the
// same CA when fewer than 30 days are left (the CA itself is renewed when it nears its own end).
import type { CoreV1Api } from '@kubernetes/client-node';
import {
  certificateExpiry,
  createCertificateAuthority,
  issueCertificate,
  loadCertificateAuthority,
} from '../kube/pki.js';
import { readSecretStrings } from '../kube/secrets.js';
import type { WebhookCertificates } from './render.js';

export const WEBHOOK_TLS_SECRET = 'vkctl-webhook-tls';
const CA_DAYS = 3650;
const SERVING_DAYS = 365;
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

function serviceNames(namespace: string): string[] {
  const service = 'vkctl-provider';
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

function fresh(pem: string | undefined): boolean {
  return !!pem && certificateExpiry(pem).getTime() - Date.now() > RENEW_BEFORE_MS;
}

export async function webhookCertificates(core: CoreV1Api, namespace: string): Promise<WebhookCertificates> {
  const existing = await readSecretStrings(core, namespace, WEBHOOK_TLS_SECRET);
  const read = (key: string) => existing?.[key] || undefined;
  const [caCert, caKey, cert, key] = [read('ca.crt'), read('ca.key'), read('tls.crt'), read('tls.key')];
  if (caCert && caKey && cert && key && fresh(caCert) && fresh(cert)) return { caCert, caKey, cert, key };
  const ca =
    caCert && caKey && fresh(caCert)
      ? loadCertificateAuthority(caCert, caKey)
      : createCertificateAuthority('vkctl-webhook-ca', CA_DAYS);
  const serving = issueCertificate(ca, {
    commonName: `vkctl-provider.${namespace}.svc`,
    dnsNames: serviceNames(namespace),
    usage: 'server',
    validDays: SERVING_DAYS,
  });
  return { caCert: ca.certPem, caKey: ca.keyPem, cert: serving.certPem, key: serving.keyPem };
}
