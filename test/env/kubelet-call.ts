// A request straight to a runtime's kubelet port, as metrics-server or the apiserver makes one:
// with a bearer token or a client certificate, and the serving certificate checked against `ca`
// (or not checked, for tests about something else).
import https from 'node:https';

export interface KubeletAuth {
  token?: string;
  cert?: { certPem: string; keyPem: string };
}

export function kubeletCall(
  port: number,
  path: string,
  auth: KubeletAuth = {},
  ca?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        ...(ca ? { ca } : { rejectUnauthorized: false }),
        cert: auth.cert?.certPem,
        key: auth.cert?.keyPem,
        headers: auth.token ? { Authorization: `Bearer ${auth.token}` } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
