// CCI 1.0's documented contract, as the emulator holds vkctl to it (../shared/reference/huawei-cloud-2.md
// §1; huaweicloudDocs/cci `cn.zh-cn/API 参考/`): namespaces (flavor, quota of 5, names unique across
// accounts, tenant annotations), Networks (the three annotations, what CCI computes, the states), the
// "CCI not authorized" answers, and the runtime's own Network and messages against all of it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { burstNamespace, CciNamespaceTakenError } from '../../src/cloud/cci.js';
import { loadCloudConfig } from '../../src/cloud/config.js';
import { CloudSession } from '../../src/cloud/session.js';
import { prepareCci } from '../../src/provider/cci-setup.js';
import { defaultScenario, type Scenario } from '../env/emulator/state.js';
import { cciAs, useTestEnvironment } from '../env/environment.js';
import { collectingLogger, testProviderConfig } from '../env/provider.js';
import type { RawResponse } from '../env/sdk-request.js';

const FLAVOR = { 'namespace.kubernetes.io/flavor': 'general-computing' };
const NETWORKS = (ns: string) => `/apis/networking.cci.io/v1beta1/namespaces/${ns}/networks`;

describe('CCI 1.0 contract (emulator and runtime)', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();
  let tenant: Scenario;
  beforeEach(() => {
    tenant = defaultScenario(env().emulator.state);
  });
  const cci = (method: string, path: string, body?: unknown) => cciAs(env(), tenant, method, path, body);
  const errorCode = (res: RawResponse) => res.json<{ errorCode?: string }>().errorCode;
  const newNamespace = async (who = tenant) => {
    const name = `ns-${randomBytes(4).toString('hex')}`;
    const res = await cciAs(env(), who, 'POST', '/api/v1/namespaces', {
      metadata: { name, annotations: FLAVOR },
    });
    assert.equal(res.status, 201, res.text);
    return name;
  };
  const network = (annotations: Record<string, string>) => ({
    apiVersion: 'networking.cci.io/v1beta1',
    kind: 'Network',
    metadata: { name: 'net', annotations },
    spec: { attachedVPC: tenant.vpcId, networkID: tenant.subnetId, networkType: 'underlay_neutron' },
  });
  const documentedAnnotations = () => ({
    'network.alpha.kubernetes.io/default-security-group': tenant.securityGroupId,
    'network.alpha.kubernetes.io/project-id': tenant.projectId,
    'network.alpha.kubernetes.io/domain-id': tenant.domainId,
  });
  /** The states a namespace's Networks pass through after `resourceVersion`, watched for 3 s. */
  const networkStates = async (ns: string, resourceVersion: string): Promise<string[]> => {
    const events = await cciAs(env(), tenant, 'GET', NETWORKS(ns), undefined, {
      watch: 'true',
      resourceVersion,
      timeoutSeconds: '3',
    });
    const states: string[] = [];
    for (const line of events.text.split('\n').filter(Boolean)) {
      const event = JSON.parse(line) as { type: string; object: { status?: { state?: string } } };
      const state = event.type === 'DELETED' ? 'deleted' : event.object.status?.state;
      if (state && states.at(-1) !== state) states.push(state);
    }
    return states;
  };
  /** A session of the tenant's own, as the runtime builds one. */
  const session = () =>
    new CloudSession(
      loadCloudConfig(
        {
          region: tenant.region,
          clusterId: tenant.clusterId,
          accessKey: tenant.accessKey,
          secretKey: tenant.secretKey,
          endpoints: env().emulator.endpoints,
        },
        { VKCTL_CONFIG: '/dev/null' },
      ),
    );
  const runtimeConfig = () => ({
    ...testProviderConfig(env(), 'unused'),
    clusterId: tenant.clusterId,
    projectId: tenant.projectId,
    cciNamespace: burstNamespace(tenant.clusterId),
  });

  describe('namespaces', () => {
    it('needs the flavor annotation, and only general-computing is offered', async () => {
      const none = await cci('POST', '/api/v1/namespaces', { metadata: { name: 'ns-no-flavor' } });
      assert.equal(none.status, 400);
      assert.equal(errorCode(none), 'CCI.02.400111');
      const gpu = await cci('POST', '/api/v1/namespaces', {
        metadata: { name: 'ns-gpu', annotations: { 'namespace.kubernetes.io/flavor': 'gpu-accelerated' } },
      });
      assert.equal(gpu.status, 400);
      assert.equal(errorCode(gpu), 'CCI.02.400110');
      assert.equal(
        gpu.json<{ kind: string }>().kind,
        'Status',
        'a Kubernetes Status with the code beside it',
      );
    });

    it('answers with the tenant annotations, which a caller cannot set', async () => {
      const name = `ns-${randomBytes(4).toString('hex')}`;
      const res = await cci('POST', '/api/v1/namespaces', {
        metadata: { name, annotations: { ...FLAVOR, 'tenant.kubernetes.io/project-id': 'someone-else' } },
      });
      assert.equal(res.status, 201, res.text);
      const annotations = res.json<{ metadata: { annotations: Record<string, string> } }>().metadata
        .annotations;
      assert.equal(annotations['tenant.kubernetes.io/project-id'], tenant.projectId);
      assert.equal(annotations['tenant.kubernetes.io/domain-id'], tenant.domainId);
      assert.equal(annotations['tenant.kubernetes.io/project-name'], tenant.region);
      assert.equal(annotations['tenant.kubernetes.io/domain-name'], tenant.domainName);
    });

    it('refuses a 6th namespace in the region with CCI.02.400106 (all projects of the account count), and the runtime says what to do', async () => {
      // A second project of the account in the same region (IAM names sub-projects <region>_<name>).
      const sub = { ...tenant, projectId: randomBytes(16).toString('hex') };
      env().emulator.state.projects.push({
        id: sub.projectId,
        name: `${tenant.region}_team`,
        domainId: tenant.domainId,
      });
      for (let i = 0; i < 3; i++) await newNamespace();
      for (let i = 0; i < 2; i++) await newNamespace(sub);
      const sixth = await cci('POST', '/api/v1/namespaces', {
        metadata: { name: 'ns-sixth', annotations: FLAVOR },
      });
      assert.equal(sixth.status, 400);
      assert.equal(errorCode(sixth), 'CCI.02.400106');
      await assert.rejects(
        prepareCci(session(), runtimeConfig(), collectingLogger([])),
        /already has the most CCI namespaces allowed in this region \(5\).*CCI\.02\.400106/,
      );
    });

    it('refuses a name another account holds (CCI.02.409101); the runtime names the way out', async () => {
      const other = defaultScenario(env().emulator.state);
      const name = burstNamespace(tenant.clusterId);
      const first = await cciAs(env(), other, 'POST', '/api/v1/namespaces', {
        metadata: { name, annotations: FLAVOR },
      });
      assert.equal(first.status, 201, first.text);
      const again = await cci('POST', '/api/v1/namespaces', { metadata: { name, annotations: FLAVOR } });
      assert.equal(again.status, 409);
      assert.equal(errorCode(again), 'CCI.02.409101');
      assert.equal((await cci('GET', `/api/v1/namespaces/${name}`)).status, 404, 'and it stays invisible');
      await assert.rejects(
        prepareCci(session(), runtimeConfig(), collectingLogger([])),
        (e: unknown) =>
          e instanceof CciNamespaceTakenError &&
          /belongs to another account.*cciNamespace value/.test(e.message),
      );
    });
  });

  describe('networks', () => {
    it('refuses a Network without the annotations with CCI.01.400202', async () => {
      const ns = await newNamespace();
      const res = await cci('POST', NETWORKS(ns), network({}));
      assert.equal(res.status, 400);
      assert.equal(errorCode(res), 'CCI.01.400202');
      const foreign = await cci(
        'POST',
        NETWORKS(ns),
        network({ ...documentedAnnotations(), 'network.alpha.kubernetes.io/project-id': 'f'.repeat(32) }),
      );
      assert.equal(errorCode(foreign), 'CCI.01.400202', 'another project’s ID is no better');
      const noGroup: Record<string, string> = documentedAnnotations();
      delete noGroup['network.alpha.kubernetes.io/default-security-group'];
      const withoutGroup = await cci('POST', NETWORKS(ns), network(noGroup));
      assert.equal(withoutGroup.status, 400);
      assert.equal(errorCode(withoutGroup), 'CCI.01.400101');
    });

    it('refuses each other break of the documented body with CCI.01.400101, naming the rule in the Status details', async () => {
      const ns = await newNamespace();
      const other = defaultScenario(env().emulator.state);
      const base = () => network(documentedAnnotations());
      const cases: [string, (n: ReturnType<typeof base>) => void, RegExp][] = [
        [
          'no domain ID',
          (n) => delete n.metadata.annotations['network.alpha.kubernetes.io/domain-id'],
          /domain-id .*required/,
        ],
        [
          'a foreign domain ID',
          (n) => (n.metadata.annotations['network.alpha.kubernetes.io/domain-id'] = other.domainId),
          /not the caller's account/,
        ],
        [
          'another project’s security group',
          (n) =>
            (n.metadata.annotations['network.alpha.kubernetes.io/default-security-group'] =
              other.securityGroupId),
          /security group .* not found/,
        ],
        [
          'another network type',
          (n) => (n.spec.networkType = 'overlay_l2'),
          /networkType must be underlay_neutron/,
        ],
        [
          'a VPC not the subnet’s',
          (n) => (n.spec.attachedVPC = other.vpcId),
          /attachedVPC must be the subnet's VPC/,
        ],
        [
          'a CIDR not the subnet’s',
          (n) => Object.assign(n.spec, { cidr: '192.168.9.0/24' }),
          /cidr must be the subnet's CIDR/,
        ],
        [
          'a subnet ID not the subnet’s',
          (n) => Object.assign(n.spec, { subnetID: other.neutronSubnetId }),
          /subnetID must be the subnet's Neutron subnet ID/,
        ],
      ];
      for (const [what, breakIt, rule] of cases) {
        const body = base();
        breakIt(body);
        const res = await cci('POST', NETWORKS(ns), body);
        assert.equal(res.status, 400, what);
        assert.equal(errorCode(res), 'CCI.01.400101', what);
        const cause = res.json<{ details?: { causes?: { message: string }[] } }>().details?.causes?.[0]
          ?.message;
        assert.match(cause ?? '', rule, what);
      }
    });

    it('accepts the documented body (either spelling), fills in cidr and subnetID, and goes Initializing, Pending, Active', async () => {
      const ns = await newNamespace();
      const underscored = {
        'network.alpha.kubernetes.io/default-security-group': tenant.securityGroupId,
        'network.alpha.kubernetes.io/project_id': tenant.projectId,
        'network.alpha.kubernetes.io/domain_id': tenant.domainId,
      };
      const res = await cci('POST', NETWORKS(ns), network(underscored));
      assert.equal(res.status, 201, res.text);
      const created = res.json<{
        metadata: { annotations: Record<string, string>; resourceVersion: string };
        spec: Record<string, string>;
        status: { state: string };
      }>();
      assert.equal(created.status.state, 'Initializing');
      assert.equal(created.metadata.annotations['network.alpha.kubernetes.io/type'], 'underlay_neutron');
      assert.equal(created.spec.cidr, tenant.subnetCidr);
      assert.equal(created.spec.subnetID, tenant.neutronSubnetId);
      // Every state it passes through, from a watch of CCI's own (the states can be brief).
      const seen = [created.status.state, ...(await networkStates(ns, created.metadata.resourceVersion))];
      assert.deepEqual(seen, ['Initializing', 'Pending', 'Active']);
      const active = (await cci('GET', `${NETWORKS(ns)}/net`)).json<{
        metadata: { resourceVersion: string };
      }>();
      const deleted = await cci('DELETE', `${NETWORKS(ns)}/net`);
      assert.ok(deleted.status < 300, deleted.text);
      const states = await networkStates(ns, active.metadata.resourceVersion);
      // The first event is the deletion itself (still Active, with a deletionTimestamp).
      assert.deepEqual(
        states.filter((state) => state !== 'Active'),
        ['Terminating', 'deleted'],
        'deletion goes through Terminating',
      );
    });

    it('the runtime’s Network is accepted and Active, with the security group of the cluster', async () => {
      const logs: string[] = [];
      await prepareCci(session(), runtimeConfig(), collectingLogger(logs));
      const ns = burstNamespace(tenant.clusterId);
      const list = (await cci('GET', NETWORKS(ns))).json<{
        items: { metadata: { annotations: Record<string, string> }; status: { state: string } }[];
      }>();
      assert.equal(list.items.length, 1);
      const [net] = list.items;
      assert.equal(net?.status.state, 'Active');
      assert.equal(
        net?.metadata.annotations['network.alpha.kubernetes.io/default-security-group'],
        tenant.securityGroupId,
      );
      assert.ok(
        logs.some((l) => /waiting for the CCI Network to become Active/.test(l)),
        'progress is logged',
      );
      await prepareCci(session(), runtimeConfig(), collectingLogger([]));
      assert.equal(
        (await cci('GET', NETWORKS(ns))).json<{ items: unknown[] }>().items.length,
        1,
        'run again: no second Network',
      );
    });

    it('the runtime rides out CCI failures that pass while it waits, and stops at once on a failed Network', async () => {
      const ns = burstNamespace(tenant.clusterId);
      const fault = env().emulator.faults.add({
        service: 'cci',
        method: 'GET',
        path: /\/networks$/,
        status: 503,
        times: 3,
      });
      try {
        await prepareCci(session(), runtimeConfig(), collectingLogger([]));
        assert.equal(fault.hits, 3, 'the 503s were met');
      } finally {
        fault.remove();
      }
      const custom = env().controlPlane.cciKubeConfig().makeApiClient(CustomObjectsApi);
      const [net] = (await cci('GET', NETWORKS(ns))).json<{ items: { metadata: { name: string } }[] }>()
        .items;
      await custom.patchNamespacedCustomObjectStatus(
        {
          group: 'networking.cci.io',
          version: 'v1beta1',
          plural: 'networks',
          namespace: ns,
          name: net?.metadata.name ?? '',
          body: { status: { state: 'Failed', message: 'subnet has no free IP' } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const started = Date.now();
      await assert.rejects(
        prepareCci(session(), runtimeConfig(), collectingLogger([])),
        /CCI Network vkctl-network in .* is Failed: subnet has no free IP; delete it/,
      );
      assert.ok(Date.now() - started < 10_000, 'at once, not at the deadline');
    });

    it('the runtime names the missing input when the cluster has no node security group', async () => {
      const entry = env().emulator.state.clusters.get(tenant.clusterId);
      if (entry) delete entry.cluster.spec.hostNetwork.SecurityGroup;
      await assert.rejects(
        prepareCci(session(), runtimeConfig(), collectingLogger([])),
        /no security group for CCI pods.*securityGroupId value/,
      );
    });
  });

  describe('the Kubernetes level (1.19)', () => {
    it('stores a pod as a 1.19 apiserver does: a native sidecar’s restartPolicy is dropped without a word', async () => {
      await prepareCci(session(), runtimeConfig(), collectingLogger([]));
      const ns = burstNamespace(tenant.clusterId);
      const limits = { cpu: '500m', memory: '1Gi' };
      const res = await cci('POST', `/api/v1/namespaces/${ns}/pods`, {
        metadata: { name: 'with-sidecar' },
        spec: {
          initContainers: [
            {
              name: 'side',
              image: 'busybox',
              restartPolicy: 'Always',
              resources: { limits, requests: limits },
            },
          ],
          containers: [{ name: 'main', image: 'busybox', resources: { limits, requests: limits } }],
          hostUsers: false,
        },
      });
      assert.equal(res.status, 201, res.text);
      const stored = (await cci('GET', `/api/v1/namespaces/${ns}/pods/with-sidecar`)).json<{
        spec: { initContainers: Record<string, unknown>[]; hostUsers?: boolean };
      }>();
      assert.equal(stored.spec.initContainers[0]?.name, 'side');
      assert.equal(stored.spec.initContainers[0]?.restartPolicy, undefined, 'unknown to 1.19');
      assert.equal(stored.spec.hostUsers, undefined, 'unknown to 1.19');
    });
  });

  describe('an account that has not authorized CCI', () => {
    afterEach(() => {
      env().emulator.state.cciUnauthorizedCode = 'CCI.01.401102';
    });
    for (const code of ['CCI.01.401102', 'CCI.01.404101'] as const) {
      it(`gets ${code} from every CCI call, and the runtime says how to authorize`, async () => {
        const ns = await newNamespace();
        env().emulator.state.revokeCciAuthorization(tenant.domainId);
        env().emulator.state.cciUnauthorizedCode = code;
        for (const [method, path] of [
          ['GET', '/api/v1/namespaces'],
          ['GET', `/api/v1/namespaces/${ns}/pods`],
          ['POST', NETWORKS(ns)],
        ] as const) {
          const res = await cci(
            method,
            path,
            method === 'POST' ? network(documentedAnnotations()) : undefined,
          );
          assert.equal(res.status, code === 'CCI.01.401102' ? 401 : 404, `${method} ${path}`);
          assert.equal(errorCode(res), code);
        }
        await assert.rejects(
          prepareCci(session(), runtimeConfig(), collectingLogger([])),
          new RegExp(
            `CCI is not authorized for this account.*authorize it \\(CCI ${code.replaceAll('.', '\\.')}`,
          ),
        );
      });
    }
  });
});
