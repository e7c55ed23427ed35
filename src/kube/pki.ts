// X.509 for vkctl and its test environment: a CA, and serving or client certificates it signs (the
// webhook's serving certificate at install; the test control plane's servers). One CA per use,
// RSA 2048, SHA-256. node-forge builds the X.509 structures;
// its RSA key generation uses Node's native crypto, so a 2048-bit key takes ~100 ms.
import forge from 'node-forge';

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends KeyPairPem {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

let serial = 1;
const DAY_MS = 24 * 60 * 60 * 1000;

function baseCertificate(
  publicKey: forge.pki.PublicKey,
  commonName: string,
  organization: string | undefined,
  validDays: number,
) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  serial += 1;
  cert.serialNumber = `${Date.now().toString(16)}${serial.toString(16).padStart(4, '0')}`;
  // Backdated a little so a clock that is a few seconds off does not make the certificate "not yet valid".
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + validDays * DAY_MS);
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: commonName }];
  if (organization) subject.push({ name: 'organizationName', value: organization });
  cert.setSubject(subject);
  return cert;
}

export function createCertificateAuthority(commonName: string, validDays = 2): CertificateAuthority {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const cert = baseCertificate(keys.publicKey, commonName, undefined, validDays);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    cert,
    key: keys.privateKey,
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

export interface IssueOptions {
  commonName: string;
  organization?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client' | 'both';
  validDays?: number;
}

export function issueCertificate(ca: CertificateAuthority, options: IssueOptions): KeyPairPem {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const cert = baseCertificate(
    keys.publicKey,
    options.commonName,
    options.organization,
    options.validDays ?? 2,
  );
  cert.setIssuer(ca.cert.subject.attributes);
  const altNames = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    {
      name: 'extKeyUsage',
      serverAuth: options.usage !== 'client',
      clientAuth: options.usage !== 'server',
    },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** An RSA key pair in PEM, for signing and verifying service-account tokens. */
/** Reads a PEM CA back (to issue from it again, e.g. when the serving certificate is rotated). */
export function loadCertificateAuthority(certPem: string, keyPem: string): CertificateAuthority {
  return {
    cert: forge.pki.certificateFromPem(certPem),
    key: forge.pki.privateKeyFromPem(keyPem),
    certPem,
    keyPem,
  };
}

/** When a PEM certificate stops being valid. */
export function certificateExpiry(certPem: string): Date {
  return forge.pki.certificateFromPem(certPem).validity.notAfter;
}

export function createServiceAccountKey(): KeyPairPem & { publicKeyPem: string } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  return {
    certPem: '',
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
    publicKeyPem: forge.pki.publicKeyToPem(keys.publicKey),
  };
}
