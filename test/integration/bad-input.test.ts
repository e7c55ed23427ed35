// The bad-input catalog: each way a user can get the input wrong gives one line on stderr (nothing
// on stdout), a non-zero exit, and changes nothing: no new release, object or revision in the
// namespace, and an installed release left as it was. The real CLI against the real apiserver and
// the emulated cloud.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MANAGED_BY_LABEL } from '../../src/shared/names.js';
import { removeAddon } from '../env/addon.js';
import { useTestEnvironment, vkctlEnvironment } from '../env/environment.js';
import { runVkctl } from '../env/run-cli.js';

describe('bad input: one line, a non-zero exit, nothing applied', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-bad-input-'));
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  let installed = '';
  let empty = '';

  /** Every vkctl object and release record in a namespace, by kind, with its resourceVersion. */
  const snapshot = async (namespace: string) => {
    const { core, apps, rbac } = env();
    const managed = { namespace, labelSelector: `${MANAGED_BY_LABEL}=vkctl` };
    const lists = {
      Secret: core.listNamespacedSecret({ namespace }), // release records included
      ConfigMap: core.listNamespacedConfigMap(managed),
      ServiceAccount: core.listNamespacedServiceAccount(managed),
      Service: core.listNamespacedService(managed),
      Deployment: apps.listNamespacedDeployment(managed),
      Role: rbac.listNamespacedRole(managed),
      RoleBinding: rbac.listNamespacedRoleBinding(managed),
    };
    const seen: string[] = [];
    for (const [kind, list] of Object.entries(lists))
      for (const o of (await list).items)
        seen.push(`${kind}/${o.metadata?.name ?? ''}@${o.metadata?.resourceVersion ?? ''}`);
    return seen.sort();
  };

  before(async function () {
    this.timeout(120_000);
    installed = await env().createNamespace('bad-input-installed');
    empty = await env().createNamespace('bad-input-empty');
    const install = await runVkctl(
      ['install', '-n', installed, '--no-wait', '--node-name', `vk-${installed}`],
      {
        env: vkctlEnvironment(env()),
      },
    );
    assert.equal(install.code, 0, install.stderr);
  });
  after(async () => {
    await removeAddon(env(), installed);
  });

  const unreachableKubeconfig = () =>
    file(
      'unreachable.kubeconfig',
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
        'users: [{name: u, user: {token: x}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
  const workload = (resources: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {template: {spec: {containers: [{name: a, image: b${resources}}]}}}\n`;

  const cases: { name: string; args: () => string[]; env?: () => Record<string, string>; error: RegExp }[] = [
    {
      name: 'a malformed kubeconfig',
      args: () => ['install', '-n', empty, '--no-wait'],
      env: () => ({ KUBECONFIG: file('bad.kubeconfig', '{not: yaml: [') }),
      error: /^Error: cannot load kubeconfig: /,
    },
    {
      name: 'an unreachable cluster',
      args: () => ['install', '-n', empty, '--no-wait'],
      env: () => ({ KUBECONFIG: unreachableKubeconfig() }),
      error: /^Error: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/,
    },
    {
      name: 'a wrong secret key',
      args: () => ['install', '-n', empty, '--no-wait'],
      env: () => ({ HUAWEICLOUD_SDK_SK: 'not-the-secret-key' }),
      error: /^Error: IAM 401 .*signature does not match/,
    },
    {
      name: 'a bad --set',
      args: () => ['install', '-n', empty, '--no-wait', '--set', 'replicas=many'],
      error: /^Error: value "replicas" must be a number, not "many"$/,
    },
    {
      name: 'an unknown --set key',
      args: () => ['upgrade', '-n', installed, '--set', 'replicaz=2'],
      error: /^Error: unknown value "replicaz"$/,
    },
    {
      name: 'a values file that is not YAML',
      args: () => ['install', '-n', empty, '--no-wait', '-f', file('bad-values.yaml', 'replicas: [1,\n')],
      error: /^Error: values file .*bad-values\.yaml: /,
    },
    {
      name: 'an unknown version',
      args: () => ['upgrade', '-n', installed, '--version', '9.9.9'],
      error: /^Error: unknown version 9\.9\.9/,
    },
    {
      name: 'manifests for validate that are not YAML',
      args: () => ['validate', '-f', file('broken.yaml', workload('').replace('{name: web}', '{name: [web'))],
      error: /^Error: .*broken\.yaml/,
    },
    {
      name: 'a manifest file for validate that does not exist',
      args: () => ['validate', '-f', path.join(dir, 'missing.yaml')],
      error: /^Error: .*missing\.yaml/,
    },
    {
      name: 'an unknown flag',
      args: () => ['install', '-n', empty, '--frobnicate'],
      error: /^Error: Nonexistent flag: --frobnicate \(see vkctl install --help\)$/,
    },
    {
      name: 'a bad duration',
      args: () => ['install', '-n', empty, '--timeout', 'soon'],
      error: /^Error: --timeout: invalid duration "soon"/,
    },
    {
      name: 'a flag value outside its options',
      args: () => ['proxy', '--log-level', 'loud'],
      error:
        /^Error: Expected --log-level=loud to be one of: debug, info, warn, error \(see vkctl proxy --help\)$/,
    },
    {
      name: 'a flag given without its value',
      args: () => ['install', '-n', empty, '--timeout'],
      error: /^Error: Flag --timeout expects a value \(see vkctl install --help\)$/,
    },
    {
      name: 'a burst policy that is not one (the flag and the value named)',
      args: () => ['burst', 'deployment/web', '-n', empty, '--policy', 'sometimes'],
      error: /^Error: --policy: must be one of (\w+, ){3}\w+, not "sometimes"$/,
    },
    {
      name: 'a --set without a value (the flag named)',
      args: () => ['upgrade', '-n', installed, '--set', 'replicas'],
      error: /^Error: --set: "replicas": expected key=value$/,
    },
    {
      name: 'a bad --request-timeout (the flag named)',
      args: () => ['status', '-n', installed, '--request-timeout', 'abc'],
      error: /^Error: --request-timeout: invalid duration "abc"/,
    },
    {
      name: 'missing cloud settings: the flags and variables that give them',
      args: () => ['install', '-n', empty, '--no-wait'],
      env: () => ({ VKCTL_CLUSTER_ID: '' }),
      error: /^Error: missing clusterId .*; give --cluster-id or VKCTL_CLUSTER_ID$/,
    },
    {
      name: 'an unexpected argument',
      args: () => ['rollback', '1', '2', '-n', installed],
      error: /^Error: Unexpected argument: 2 \(see vkctl rollback --help\)$/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}`, async () => {
      const before = [await snapshot(installed), await snapshot(empty)];
      // The comparison means something only if the snapshot sees the installed add-on.
      assert.ok(
        before[0]?.some((key) => key.startsWith('Deployment/')),
        `installed: ${before[0]?.join(', ')}`,
      );
      const result = await runVkctl(c.args(), { env: { ...vkctlEnvironment(env()), ...c.env?.() } });
      assert.notEqual(result.code, 0, `exit code: ${result.stdout}${result.stderr}`);
      assert.equal(result.stdout, '', 'nothing on stdout');
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line on stderr, not:\n${result.stderr}`);
      assert.match(lines[0] ?? '', c.error);
      assert.deepEqual([await snapshot(installed), await snapshot(empty)], before, 'nothing applied');
    });
  }

  it('install on an account that has not authorized CCI: refused with what to do, nothing applied', async () => {
    const restore = env().emulator.state.revokeCciAuthorization(env().emulator.scenario.domainId);
    try {
      const before = await snapshot(empty);
      const result = await runVkctl(['install', '-n', empty, '--no-wait', '--node-name', `vk-${empty}`], {
        env: vkctlEnvironment(env()),
      });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(
        result.stdout + result.stderr,
        /CCI is not authorized for this account: open the CCI console in this region once and agree to authorize it \(CCI CCI\.01\.401102/,
      );
      assert.deepEqual(await snapshot(empty), before, 'nothing applied');
      assert.deepEqual(before, [], 'and there was nothing before either');
    } finally {
      restore();
    }
  });
});
