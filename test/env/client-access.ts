// How a test client reaches one of the control plane's apiservers: a kubeconfig file for a user
// (a bearer token or a client certificate), and a probe that an HTTPS endpoint answers 200.
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import { stringify } from 'yaml';
import type { KeyPairPem } from '../../src/kube/pki.js';

/** A kubeconfig file for `user`, who signs in with a bearer token or a client certificate. */
export function writeKubeconfig(
  file: string,
  server: string,
  caPem: string,
  user: string,
  credential: string | KeyPairPem,
): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'vkctl-test',
        cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
      },
    ],
    users: [
      {
        name: user,
        user:
          typeof credential === 'string'
            ? { token: credential }
            : {
                'client-certificate-data': Buffer.from(credential.certPem).toString('base64'),
                'client-key-data': Buffer.from(credential.keyPem).toString('base64'),
              },
      },
    ],
    contexts: [{ name: 'vkctl-test', context: { cluster: 'vkctl-test', user } }],
    'current-context': 'vkctl-test',
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
}

export function probeHttps(url: string, caPem: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(
      url,
      { ca: caPem, headers: { Authorization: `Bearer ${token}` }, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
