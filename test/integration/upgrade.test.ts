// upgrade, rollback and diff between two real sets of manifests: the previous version's, kept as a
// fixture (test/fixtures/manifests/0.0.9), and this version's.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { PatchStrategy, PolicyV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { certificateExpiry, issueCertificate, loadCertificateAuthority } from '../../src/kube/pki.js';
import { install } from '../../src/addon/install.js';
import { listReleases } from '../../src/addon/release-store.js';
import { MANIFESTS_ROOT } from '../../src/addon/render.js';
import { rollback } from '../../src/addon/rollback.js';
import { upgrade, type UpgradeRequest } from '../../src/addon/upgrade.js';
import { defaultValues } from '../../src/addon/values.js';
import { StateError } from '../../src/errors.js';
import { installRequest, removeAddon, upgradeRequest as sharedUpgradeRequest } from '../env/addon.js';
import { useTestEnvironment, type TestEnvironment } from '../env/environment.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/manifests', import.meta.url));
const ROOTS = [MANIFESTS_ROOT, FIXTURES];

function installVersion(env: TestEnvironment, namespace: string, version: string, sets: string[] = []) {
  return install(
    installRequest(env, namespace, { version, sets, preflight: undefined, manifestsRoot: ROOTS }),
  );
}

function upgradeRequest(env: TestEnvironment, namespace: string, extra: Partial<UpgradeRequest> = {}) {
  return sharedUpgradeRequest(env, namespace, { version: '0.1.0', manifestsRoot: ROOTS, ...extra });
}

describe('vkctl upgrade, rollback and diff', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();
  const cleanup = (ns: string) => removeAddon(env(), ns);
  const exists = async (
    kind: 'configmap' | 'pdb' | 'serviceaccount' | 'role',
    name: string,
    namespace: string,
  ) => {
    const read =
      kind === 'configmap'
        ? env().core.readNamespacedConfigMap({ name, namespace })
        : kind === 'serviceaccount'
          ? env().core.readNamespacedServiceAccount({ name, namespace })
          : kind === 'role'
            ? env().rbac.readNamespacedRole({ name, namespace })
            : env().kc.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ name, namespace });
    return read.then(
      () => true,
      (e: { code?: number }) => (e.code === 404 ? false : Promise.reject(e as Error)),
    );
  };

  it('upgrades from the previous version: revision 2, a dropped object pruned, a new one applied', async () => {
    const ns = await env().createNamespace('upgrade');
    try {
      assert.equal((await installVersion(env(), ns, '0.0.9')).revision, 1);
      assert.ok(await exists('configmap', 'vkctl-legacy-settings', ns));
      assert.ok(!(await exists('pdb', 'vkctl-provider', ns)));

      const result = await upgrade(upgradeRequest(env(), ns));
      assert.equal(result.outcome, 'upgraded');
      assert.equal(result.revision, 2);
      assert.ok(
        !(await exists('configmap', 'vkctl-legacy-settings', ns)),
        'the object 0.1.0 dropped is gone',
      );
      assert.ok(await exists('pdb', 'vkctl-provider', ns));
      const deployment = await env().apps.readNamespacedDeployment({ name: 'vkctl-provider', namespace: ns });
      assert.match(deployment.spec?.template.spec?.containers[0]?.image ?? '', /vkctl:0\.1\.0$/);
      assert.deepEqual(
        (await listReleases(env().core, ns)).map((r) => [r.revision, r.status, r.version]),
        [
          [1, 'superseded', '0.0.9'],
          [2, 'deployed', '0.1.0'],
        ],
      );

      const again = await upgrade(upgradeRequest(env(), ns));
      assert.equal(again.outcome, 'up-to-date');

      const back = await rollback({ ...upgradeRequest(env(), ns) });
      assert.equal(back.outcome, 'rolled-back');
      assert.equal(back.revision, 3);
      assert.ok(
        await exists('configmap', 'vkctl-legacy-settings', ns),
        'rollback brought the 0.0.9 object back',
      );
      assert.ok(!(await exists('pdb', 'vkctl-provider', ns)));
    } finally {
      await cleanup(ns);
    }
  });

  it('shows what would change with --dry-run, and changes nothing', async () => {
    const ns = await env().createNamespace('diff');
    try {
      await installVersion(env(), ns, '0.0.9');
      const before = await env().apps.readNamespacedDeployment({ name: 'vkctl-provider', namespace: ns });
      const plan = await upgrade(upgradeRequest(env(), ns, { dryRun: true }));
      assert.equal(plan.outcome, 'dry-run');
      const changes = Object.fromEntries((plan.changes ?? []).map((c) => [c.object, c]));
      assert.equal(changes[`ConfigMap/${ns}/vkctl-legacy-settings`]?.change, 'remove');
      assert.equal(changes[`PodDisruptionBudget/${ns}/vkctl-provider`]?.change, 'add');
      assert.equal(changes[`Deployment/${ns}/vkctl-provider`]?.change, 'change');
      const deploymentDiff = changes[`Deployment/${ns}/vkctl-provider`]?.diff ?? '';
      assert.match(deploymentDiff, /^-.*vkctl:0\.0\.9$/m);
      assert.match(deploymentDiff, /^\+.*vkctl:0\.1\.0$/m);
      const after = await env().apps.readNamespacedDeployment({ name: 'vkctl-provider', namespace: ns });
      // Not the resourceVersion: the deployment controller may still be writing the new
      // Deployment's status. A dry run that applied anything would raise the generation.
      assert.equal(after.metadata?.generation, before.metadata?.generation);
      assert.deepEqual(after.spec, before.spec);
      assert.equal((await listReleases(env().core, ns)).length, 1);
    } finally {
      await cleanup(ns);
    }
  });

  it('rolls back by itself when the upgraded Deployment can never become available', async () => {
    const ns = await env().createNamespace('rollback');
    const kubelet = await env().addNodes({ count: 1, cpu: '4', memory: '8Gi' });
    try {
      await installVersion(env(), ns, '0.0.9');
      // 64 cores fit on no node: the new pods stay Pending.
      const result = await upgrade(
        upgradeRequest(env(), ns, { wait: true, timeoutMs: 3_000, values: { sets: ['resources.cpu=64'] } }),
      );
      assert.equal(result.outcome, 'rolled-back');
      assert.match(result.message ?? '', /timed out .* deployment: 1 old replicas pending termination/);
      const releases = await listReleases(env().core, ns);
      assert.deepEqual(
        releases.map((r) => [r.revision, r.status, r.version]),
        [
          [1, 'superseded', '0.0.9'],
          [2, 'failed', '0.1.0'],
          [3, 'deployed', '0.0.9'],
        ],
      );
      assert.equal(releases[2]?.description, 'Rollback to 1');
      assert.ok(await exists('configmap', 'vkctl-legacy-settings', ns), 'the old objects are back');
      assert.ok(!(await exists('pdb', 'vkctl-provider', ns)), "the failed version's objects are gone");
      const deployment = await env().apps.readNamespacedDeployment({ name: 'vkctl-provider', namespace: ns });
      assert.equal(
        deployment.spec?.template.spec?.containers[0]?.resources?.limits?.cpu,
        defaultValues('0.0.9').resources.cpu,
        'revision 1’s default, not the 64 cores tried',
      );
    } finally {
      await env().removeNodes(kubelet);
      await cleanup(ns);
    }
  });

  it('keeps a failed upgrade as it is with --no-rollback', async () => {
    const ns = await env().createNamespace('norollback');
    try {
      await installVersion(env(), ns, '0.0.9');
      const result = await upgrade(
        upgradeRequest(env(), ns, { wait: true, timeoutMs: 2_000, rollbackOnFailure: false }),
      );
      assert.equal(result.outcome, 'failed');
      assert.deepEqual(
        (await listReleases(env().core, ns)).map((r) => r.status),
        ['deployed', 'failed'],
      );
      assert.ok(await exists('pdb', 'vkctl-provider', ns), 'the failed version stays applied for debugging');
    } finally {
      await cleanup(ns);
    }
  });

  it('refuses a downgrade without --force', async () => {
    const ns = await env().createNamespace('downgrade');
    try {
      await installVersion(env(), ns, '0.1.0');
      await assert.rejects(
        upgrade(upgradeRequest(env(), ns, { version: '0.0.9' })),
        // The action names the option that overrides it; the command spells it --force.
        (e: unknown) => e instanceof StateError && e.advice?.override?.option === 'force',
      );
      const forced = await upgrade(upgradeRequest(env(), ns, { version: '0.0.9', force: true }));
      assert.equal(forced.outcome, 'upgraded');
      assert.equal(forced.version, '0.0.9');
    } finally {
      await cleanup(ns);
    }
  });

  it('renews the webhook serving certificate on upgrade when it nears expiry, from the same CA', async () => {
    const ns = await env().createNamespace('certs');
    try {
      await installVersion(env(), ns, '0.1.0');
      const read = async () => {
        const secret = await env().core.readNamespacedSecret({ name: 'vkctl-webhook-tls', namespace: ns });
        const pem = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
        return { ca: pem('ca.crt'), caKey: pem('ca.key'), cert: pem('tls.crt') };
      };
      const installed = await read();
      assert.ok(
        certificateExpiry(installed.cert).getTime() > Date.now() + 300 * 86_400_000,
        'a year-long certificate',
      );
      // Plant a serving certificate from the same CA that ends in 10 days.
      const expiring = issueCertificate(loadCertificateAuthority(installed.ca, installed.caKey), {
        commonName: 'vkctl-provider',
        usage: 'server',
        validDays: 10,
      });
      await env().core.patchNamespacedSecret(
        {
          name: 'vkctl-webhook-tls',
          namespace: ns,
          body: { stringData: { 'tls.crt': expiring.certPem, 'tls.key': expiring.keyPem } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const result = await upgrade(upgradeRequest(env(), ns, { values: { sets: ['replicas=2'] } }));
      assert.equal(result.outcome, 'upgraded');
      const renewed = await read();
      assert.notEqual(renewed.cert, expiring.certPem);
      assert.ok(certificateExpiry(renewed.cert).getTime() > Date.now() + 300 * 86_400_000);
      assert.equal(renewed.ca, installed.ca, 'the CA, and so the webhook caBundle, stays');
    } finally {
      await cleanup(ns);
    }
  });

  it('install --interconnect applies the interconnect parts; upgrade --interconnect=false removes them', async () => {
    const ns = await env().createNamespace('interconnect');
    try {
      await installVersion(env(), ns, '0.1.0', ['interconnect=true']);
      assert.ok(await exists('serviceaccount', 'vkctl-proxy', ns));
      assert.ok(await exists('role', 'vkctl-provider-apiserver-address', 'default'));
      const off = await upgrade(upgradeRequest(env(), ns, { values: { flags: { interconnect: false } } }));
      assert.equal(off.outcome, 'upgraded');
      assert.ok(!(await exists('serviceaccount', 'vkctl-proxy', ns)));
      assert.ok(!(await exists('role', 'vkctl-provider-apiserver-address', 'default')));
      assert.ok(!(await exists('role', 'vkctl-provider-proxy-token', ns)));
      await assert.rejects(
        env().rbac.readClusterRole({ name: 'vkctl-proxy' }),
        (e: { code?: number }) => e.code === 404,
      );
    } finally {
      await cleanup(ns);
    }
  });
});
