// What CloudClient makes of a service's refusal: the status, the code, one line, and the causes a
// Kubernetes Status gives (CCI's API is Kubernetes'): NamespaceTerminating is how the runtime tells
// a namespace being deleted (a passing refusal) from a pod refused for good.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudApiError, CloudClient } from '../../src/cloud/http.js';

describe('CloudClient: a refusal as CloudApiError', () => {
  let server: Server;
  let endpoint = '';
  before(async () => {
    server = createServer((req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Forbidden',
          code: 403,
          message:
            'pods "a.b" is forbidden: unable to create new content in namespace x because it is being terminated',
          details: {
            name: 'a.b',
            kind: 'pods',
            causes: [
              {
                reason: 'NamespaceTerminating',
                message: 'namespace x is being terminated',
                field: 'metadata.namespace',
              },
            ],
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps the Status causes (their "reason" field), beside the status and code', async () => {
    const client = new CloudClient('cci', endpoint, { accessKey: 'AK', secretKey: 'SK' });
    const error = await client.request({ method: 'POST', path: '/api/v1/namespaces/x/pods', body: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof CloudApiError, String(error));
    assert.equal(error.status, 403);
    assert.equal(error.code, 'Forbidden');
    assert.deepEqual(error.causes, ['NamespaceTerminating']);
    assert.match(error.message, /being terminated/);
  });
});
