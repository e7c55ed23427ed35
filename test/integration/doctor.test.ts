// doctor --pre and doctor against the real control plane and the emulated Huawei Cloud: each check
// passes on a healthy setup and fails, with its reason and hint, when its precondition is broken.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { cliVersion } from '../../src/shared/catalog.js';
import type { CheckResult } from '../../src/checks/check.js';
import { doctor, doctorExitCode } from '../../src/checks/doctor.js';
import { cciAs, doctorSettings, useTestEnvironment } from '../env/environment.js';
import { freePort } from '../env/processes.js';
import { waitFor } from '../env/wait.js';

const settings = doctorSettings;

function byId(checks: CheckResult[], id: string): CheckResult {
  const found = checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id}`);
  return found;
}

describe('vkctl doctor', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();
  const pre = (o?: Parameters<typeof doctorSettings>[1]) =>
    doctor({ pre: true, settings: settings(env(), o) });
  const cluster = () => {
    const entry = env().emulator.state.clusters.get(env().emulator.scenario.clusterId);
    assert.ok(entry);
    return entry.cluster;
  };
  const nodeSubnet = () => {
    const entry = env().emulator.state.subnets.get(env().emulator.scenario.subnetId);
    assert.ok(entry);
    return entry.subnet;
  };

  describe('--pre', () => {
    it('passes every check on a healthy VPC-mode cluster', async () => {
      const report = await pre();
      const notOk = report.checks.filter((c) => c.status !== 'ok');
      assert.deepEqual(notOk, []);
      assert.equal(doctorExitCode(report), 0);
      assert.ok(report.checks.length >= 14);
    });

    it('fails an overlay (tunnel) network with the seed’s reason', async () => {
      const saved = cluster().spec.containerNetwork.mode;
      cluster().spec.containerNetwork.mode = 'overlay_l2';
      try {
        const report = await pre();
        const check = byId(report.checks, 'network-mode');
        assert.equal(check.status, 'fail');
        assert.match(check.message, /overlay_l2: only clusters in VPC network mode are supported/);
        assert.match(check.hint ?? '', /tunnel/);
        assert.equal(doctorExitCode(report), 1);
      } finally {
        cluster().spec.containerNetwork.mode = saved;
      }
    });

    it('notes an ENI (CCE Turbo) cluster as supported and checks its ENI subnets', async () => {
      const saved = { mode: cluster().spec.containerNetwork.mode, eni: cluster().spec.eniNetwork };
      cluster().spec.containerNetwork.mode = 'eni';
      cluster().spec.eniNetwork = { subnets: [{ subnetID: env().emulator.scenario.neutronSubnetId }] };
      try {
        const report = await pre();
        assert.match(byId(report.checks, 'network-mode').message, /eni/);
        assert.equal(byId(report.checks, 'subnet-overlap').status, 'ok');
        assert.match(byId(report.checks, 'subnet-overlap').message, /192\.168\.0\.0\/24, 192\.168\.0\.0\/24/);
      } finally {
        cluster().spec.containerNetwork.mode = saved.mode;
        cluster().spec.eniNetwork = saved.eni;
      }
    });

    for (const cidr of ['10.0.0.0/8', '10.247.5.0/24']) {
      it(`fails a node subnet ${cidr}, which overlaps 10.247.0.0/16`, async () => {
        const saved = nodeSubnet().cidr;
        nodeSubnet().cidr = cidr;
        try {
          const check = byId((await pre()).checks, 'subnet-overlap');
          assert.equal(check.status, 'fail');
          assert.match(check.message, new RegExp(`node subnet \\S+ ${cidr.replaceAll('.', '\\.')}`));
        } finally {
          nodeSubnet().cidr = saved;
        }
      });
    }

    it('warns, without failing, about a Service CIDR inside 10.247.0.0/16', async () => {
      const saved = cluster().spec.kubernetesSvcIpRange;
      cluster().spec.kubernetesSvcIpRange = '10.247.0.0/16';
      try {
        const report = await pre();
        const check = byId(report.checks, 'cidr-overlap');
        assert.equal(check.status, 'warn');
        assert.match(check.message, /Service CIDR 10\.247\.0\.0\/16/);
        assert.equal(doctorExitCode(report), 0, 'warnings alone do not fail doctor');
      } finally {
        cluster().spec.kubernetesSvcIpRange = saved;
      }
    });

    for (const code of ['CCI.01.401102', 'CCI.01.404101'] as const) {
      it(`fails when CCI itself answers ${code} (not authorized), saying how to authorize`, async () => {
        const state = env().emulator.state;
        const restore = state.revokeCciAuthorization(env().emulator.scenario.domainId);
        state.cciUnauthorizedCode = code;
        try {
          const report = await pre();
          assert.equal(byId(report.checks, 'cci-reachable').status, 'ok', 'CCI answered');
          const check = byId(report.checks, 'cci-authorized');
          assert.equal(check.status, 'fail');
          assert.match(check.message, new RegExp(`^CCI is not authorized for this account.*${code}`));
          assert.match(check.hint ?? '', /CCI console .* authorize/);
          assert.equal(byId(report.checks, 'cci-namespace-quota').status, 'skip');
        } finally {
          restore();
          state.cciUnauthorizedCode = 'CCI.01.401102';
        }
      });
    }

    it('counts the account’s CCI namespaces against the quota of 5, and fails with no room', async () => {
      const ok = byId((await pre()).checks, 'cci-namespace-quota');
      assert.equal(ok.status, 'ok', ok.message);
      assert.match(ok.message, /\d of 5 used/);
      const cci = (method: string, path: string, body?: unknown) =>
        cciAs(env(), env().emulator.scenario, method, path, body);
      const created: string[] = [];
      for (let i = 0; ; i++) {
        const name = `quota-${i}-${Date.now().toString(36)}`;
        const res = await cci('POST', '/api/v1/namespaces', {
          metadata: { name, annotations: { 'namespace.kubernetes.io/flavor': 'general-computing' } },
        });
        if (res.status !== 201) break;
        created.push(name);
      }
      try {
        const report = await doctor({
          pre: true,
          settings: { ...doctorSettings(env()), cciNamespace: 'not-created-yet' },
        });
        const full = byId(report.checks, 'cci-namespace-quota');
        assert.equal(full.status, 'fail');
        assert.match(full.message, /5 of 5 used .*no room for not-created-yet/);
        assert.match(full.hint ?? '', /5 namespaces per region per account/);
      } finally {
        for (const name of created) await cci('DELETE', `/api/v1/namespaces/${name}`);
        await waitFor('the quota namespaces to go', async () => {
          const list = await cci('GET', '/api/v1/namespaces');
          const names = list
            .json<{ items: { metadata: { name: string } }[] }>()
            .items.map((n) => n.metadata.name);
          return !created.some((c) => names.includes(c));
        });
      }
    });

    it('lists the permissions a restricted user lacks', async () => {
      const check = byId((await pre({ restricted: true })).checks, 'rbac');
      assert.equal(check.status, 'fail');
      for (const missing of [
        'create deployments.apps',
        'create clusterroles.rbac.authorization.k8s.io',
        'delete nodes',
      ]) {
        assert.ok(check.message.includes(missing), `${missing} in: ${check.message}`);
      }
    });

    it("fails when Huawei's managed virtual-kubelet add-on is installed", async () => {
      const { clusterId, projectId } = env().emulator.scenario;
      const now = new Date().toISOString();
      env().emulator.state.addons.set('managed-vk', {
        projectId,
        addon: {
          kind: 'Addon',
          apiVersion: 'v3',
          metadata: {
            uid: 'managed-vk',
            name: 'virtual-kubelet',
            creationTimestamp: now,
            updateTimestamp: now,
          },
          spec: {
            clusterID: clusterId,
            version: '1.5.82',
            addonTemplateName: 'virtual-kubelet',
            addonTemplateType: 'helm',
            description: '',
            values: {},
          },
          status: { status: 'running', Reason: '', message: '', currentVersion: { version: '1.5.82' } },
        },
      });
      try {
        const check = byId((await pre()).checks, 'managed-addon-absent');
        assert.equal(check.status, 'fail');
        assert.match(check.message, /virtual-kubelet 1\.5\.82 is installed/);
      } finally {
        env().emulator.state.addons.delete('managed-vk');
      }
    });

    it('fails when a node already has the virtual node’s name', async () => {
      const kubelet = await env().addNodes({ count: 1, prefix: 'taken-name' });
      try {
        const check = byId((await pre({ nodeName: kubelet.nodeNames[0] })).checks, 'node-name-free');
        assert.equal(check.status, 'fail');
        assert.match(check.message, /already exists/);
      } finally {
        await env().removeNodes(kubelet);
      }
    });

    it('fails clearly, without hanging, when IAM is unreachable or does not answer', async () => {
      const closed = await pre({ iamEndpoint: `http://127.0.0.1:${await freePort()}` });
      const check = byId(closed.checks, 'iam-auth');
      assert.equal(check.status, 'fail');
      assert.match(check.message, /IAM at http:\/\/127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED/);
      assert.equal(byId(closed.checks, 'cce-cluster').status, 'skip');

      env().emulator.faults.add({ service: 'iam', latencyMs: 5_000 });
      try {
        const slow = byId((await pre({ requestTimeoutMs: 500 })).checks, 'iam-auth');
        assert.equal(slow.status, 'fail');
        assert.match(slow.message, /no answer within 0\.5 s/);
      } finally {
        env().emulator.faults.clear();
      }
    });

    it('fails when vkctl is already installed here', async () => {
      const namespace = await env().createNamespace('installed');
      await env().core.createNamespacedSecret({
        namespace,
        body: {
          metadata: {
            name: 'vkctl.release.v1',
            labels: {
              owner: 'vkctl',
              name: 'vkctl',
              version: cliVersion(),
              revision: '1',
              status: 'deployed',
            },
          },
          type: 'vkctl.io/release.v1',
          data: { release: gzipSync(JSON.stringify({ values: {} })).toString('base64') },
        },
      });
      const check = byId((await pre({ namespace })).checks, 'release-absent');
      assert.equal(check.status, 'fail');
      assert.ok(check.message.includes(`revision 1 (version ${cliVersion()})`), check.message);

      const health = await doctor({ pre: false, settings: settings(env(), { namespace }) });
      assert.equal(byId(health.checks, 'release-present').status, 'ok');
      // The parts install will create are not there: doctor says so rather than passing.
      assert.equal(byId(health.checks, 'provider-available').status, 'fail');
      assert.equal(byId(health.checks, 'webhook-configured').status, 'fail');
      assert.equal(byId(health.checks, 'cci-namespace-ready').status, 'fail');
      assert.equal(byId(health.checks, 'interconnect-identity').status, 'skip');
    });
  });

  describe('after install', () => {
    it('fails "vkctl is installed" and skips what depends on it when nothing is installed', async () => {
      const namespace = await env().createNamespace('empty');
      const report = await doctor({ pre: false, settings: settings(env(), { namespace }) });
      assert.equal(byId(report.checks, 'release-present').status, 'fail');
      for (const id of [
        'provider-available',
        'virtual-node-ready',
        'node-lease-fresh',
        'webhook-configured',
        'cci-namespace-ready',
      ]) {
        assert.equal(byId(report.checks, id).status, 'skip', id);
      }
      assert.equal(doctorExitCode(report), 1);
    });
  });

  it('--wait retries until a broken precondition is mended', async () => {
    const restore = env().emulator.state.revokeCciAuthorization(env().emulator.scenario.domainId);
    let retries = 0;
    try {
      const report = await doctor({
        pre: true,
        settings: settings(env()),
        waitMs: 20_000,
        // Mended after the first failed round, whatever the machine's speed.
        onRetry: () => {
          retries += 1;
          restore();
        },
      });
      assert.equal(doctorExitCode(report), 0);
      assert.ok(retries >= 1, 'it retried at least once');
    } finally {
      restore();
    }
  });
});
