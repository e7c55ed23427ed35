// The emulator authenticates as Huawei Cloud does: requests signed by the official SDK are accepted,
// any tampering is refused, and IAM's password tokens work across services.
import assert from 'node:assert/strict';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { CceClient, ShowClusterRequest } from '@huaweicloud/huaweicloud-sdk-cce';
import { useTestEnvironment } from '../env/environment.js';
import { queryString, rawRequest, sdkRequest, sdkSign } from '../env/sdk-request.js';

describe('Huawei Cloud emulator: authentication', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();
  const scenario = () => env().emulator.scenario;
  const endpoints = () => env().emulator.endpoints;

  it('accepts a call made end to end by the official SDK client (CceClient.showCluster)', async () => {
    const { accessKey, secretKey, projectId, clusterId } = scenario();
    const client = CceClient.newBuilder()
      .withCredential(new BasicCredentials().withAk(accessKey).withSk(secretKey).withProjectId(projectId))
      .withEndpoint(endpoints().cce)
      .build();
    const cluster = await client.showCluster(new ShowClusterRequest().withClusterId(clusterId));
    assert.equal(cluster.metadata?.uid, clusterId);
    assert.equal(cluster.spec?.containerNetwork?.mode, 'vpc-router');
  });

  describe('SDK-HMAC-SHA256 signatures (signed by the SDK signer)', () => {
    const createAddon = () => ({
      method: 'POST',
      endpoint: endpoints().cce,
      path: '/api/v3/addons',
      query: { cluster_id: scenario().clusterId },
      body: {
        kind: 'Addon',
        apiVersion: 'v3',
        metadata: { annotations: { 'addon.install/type': 'install' } },
        spec: {
          clusterID: scenario().clusterId,
          version: '1.30.6',
          addonTemplateName: 'coredns',
          values: { basic: {} },
        },
      },
    });

    it('accepts a signed POST with a body and a query', async () => {
      const { accessKey, secretKey, projectId } = scenario();
      const res = await sdkRequest(createAddon(), accessKey, secretKey, projectId);
      assert.equal(res.status, 201, res.text);
      const created = res.json<{ kind: string; metadata: { uid: string } }>();
      assert.equal(created.kind, 'Addon');
      env().emulator.state.addons.delete(created.metadata.uid); // one instance per template and cluster
    });

    it('refuses the same request with one byte of the body changed', async () => {
      const { accessKey, secretKey, projectId } = scenario();
      const request = createAddon();
      const headers = sdkSign(request, accessKey, secretKey, projectId);
      const body = JSON.stringify(request.body).replace('"1.30.6"', '"1.30.7"');
      const res = await rawRequest(
        'POST',
        `${request.endpoint}${request.path}${queryString(request.query)}`,
        headers,
        body,
      );
      assert.equal(res.status, 401);
      assert.match(res.json<{ error_msg: string }>().error_msg, /signature does not match/);
    });

    it('refuses a changed query, path or signed header', async () => {
      const { accessKey, secretKey, projectId, clusterId } = scenario();
      const request = {
        method: 'GET',
        endpoint: endpoints().cce,
        path: `/api/v3/projects/${projectId}/clusters/${clusterId}`,
      };
      const headers = sdkSign(request, accessKey, secretKey, projectId);
      const url = `${request.endpoint}${request.path}`;
      assert.equal((await rawRequest('GET', url, headers)).status, 200);
      assert.equal((await rawRequest('GET', `${url}?detail=true`, headers)).status, 401);
      assert.equal(
        (await rawRequest('GET', url.replace(clusterId, clusterId.toUpperCase()), headers)).status,
        401,
      );
      assert.equal((await rawRequest('GET', url, { ...headers, 'Content-Type': 'text/plain' })).status, 401);
    });

    it('refuses a wrong secret key, an unknown access key and a missing signature', async () => {
      const { accessKey, secretKey, projectId, clusterId } = scenario();
      const request = {
        method: 'GET',
        endpoint: endpoints().cce,
        path: `/api/v3/projects/${projectId}/clusters/${clusterId}`,
      };
      const url = `${request.endpoint}${request.path}`;
      const wrongSk = await rawRequest('GET', url, sdkSign(request, accessKey, `${secretKey}x`, projectId));
      assert.equal(wrongSk.status, 401);
      const unknownAk = await rawRequest(
        'GET',
        url,
        sdkSign(request, 'AKUNKNOWN000000000', secretKey, projectId),
      );
      assert.equal(unknownAk.status, 401);
      assert.match(unknownAk.json<{ error_msg: string }>().error_msg, /unknown access key/);
      const none = await rawRequest('GET', url, {});
      assert.equal(none.status, 401);
    });

    it('refuses a correctly signed request whose X-Sdk-Date is 16 minutes old', async () => {
      const { accessKey, secretKey, projectId, clusterId } = scenario();
      const stale = new Date(Date.now() - 16 * 60 * 1000)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const request = {
        method: 'GET',
        endpoint: endpoints().cce,
        path: `/api/v3/projects/${projectId}/clusters/${clusterId}`,
        headers: { 'X-Sdk-Date': stale },
      };
      const res = await rawRequest(
        'GET',
        `${request.endpoint}${request.path}`,
        sdkSign(request, accessKey, secretKey, projectId),
      );
      assert.equal(res.status, 401);
      assert.match(res.json<{ error_msg: string }>().error_msg, /15 minutes/);
    });

    it("refuses another account's project even with a valid signature", async () => {
      const { accessKey, secretKey, clusterId } = scenario();
      const other = '0123456789abcdef0123456789abcdef';
      const res = await sdkRequest(
        { method: 'GET', endpoint: endpoints().cce, path: `/api/v3/projects/${other}/clusters/${clusterId}` },
        accessKey,
        secretKey,
      );
      assert.equal(res.status, 403);
    });
  });

  describe('IAM tokens', () => {
    const tokenRequest = (password: string) => ({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: scenario().userName, password, domain: { name: scenario().domainName } },
          },
        },
        scope: { project: { name: scenario().region } },
      },
    });

    it('issues a project-scoped token in X-Subject-Token that other services accept', async () => {
      const res = await rawRequest(
        'POST',
        `${endpoints().iam}/v3/auth/tokens`,
        { 'Content-Type': 'application/json;charset=utf8' },
        JSON.stringify(tokenRequest(scenario().password)),
      );
      assert.equal(res.status, 201, res.text);
      const token = res.headers['x-subject-token'];
      assert.equal(typeof token, 'string');
      assert.equal(res.json<{ token: { project: { id: string } } }>().token.project.id, scenario().projectId);

      const { projectId, subnetId } = scenario();
      const subnet = await rawRequest('GET', `${endpoints().vpc}/v1/${projectId}/subnets/${subnetId}`, {
        'X-Auth-Token': String(token),
      });
      assert.equal(subnet.status, 200, subnet.text);
      assert.equal(subnet.json<{ subnet: { cidr: string } }>().subnet.cidr, scenario().subnetCidr);
    });

    it('refuses a wrong password and an unknown token', async () => {
      const res = await rawRequest(
        'POST',
        `${endpoints().iam}/v3/auth/tokens`,
        { 'Content-Type': 'application/json' },
        JSON.stringify(tokenRequest('wrong')),
      );
      assert.equal(res.status, 401);
      const { projectId, subnetId } = scenario();
      const bogus = await rawRequest('GET', `${endpoints().vpc}/v1/${projectId}/subnets/${subnetId}`, {
        'X-Auth-Token': 'MIIbogus',
      });
      assert.equal(bogus.status, 401);
    });

    it('lists the cci_admin_trust agency while CCI is authorized, and not after it is removed', async () => {
      const { accessKey, secretKey, domainId } = scenario();
      const list = () =>
        sdkRequest(
          {
            method: 'GET',
            endpoint: endpoints().iam,
            path: '/v3.0/OS-AGENCY/agencies',
            query: { domain_id: domainId, name: 'cci_admin_trust' },
          },
          accessKey,
          secretKey,
        );
      const before = await list();
      assert.equal(before.status, 200, before.text);
      assert.equal(before.json<{ agencies: unknown[] }>().agencies.length, 1);
      const restore = env().emulator.state.revokeCciAuthorization(domainId);
      try {
        const after = await list();
        assert.equal(after.json<{ agencies: unknown[] }>().agencies.length, 0);
      } finally {
        restore();
      }
    });
  });
});
