// Prune and uninstall delete only what the release made (issue 17, item 4): a release record with
// another team's Namespace and Secret added to it (edited, restored from elsewhere) makes an upgrade
// prune neither, `uninstall --dry-run` list neither, and uninstall leave both, each said so.
import assert from 'node:assert/strict';
import {
  AdmissionregistrationV1Api,
  CertificatesV1Api,
  CoordinationV1Api,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { describeRef } from '../../src/addon/render.js';
import { install } from '../../src/addon/install.js';
import { listReleases, saveRelease } from '../../src/addon/release-store.js';
import { uninstall } from '../../src/addon/uninstall.js';
import { upgrade } from '../../src/addon/upgrade.js';
import { installRequest, removeAddon, upgradeRequest } from '../env/addon.js';
import { useTestEnvironment, type TestEnvironment } from '../env/environment.js';

/** What `uninstall --dry-run` would remove. */
function uninstallPlan(env: TestEnvironment, namespace: string) {
  return uninstall({
    kc: env.kc,
    namespace,
    dryRun: true,
    force: true,
    timeoutMs: 10_000,
    progress: () => undefined,
  });
}

describe('a release touches only its own objects', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();

  it('leaves another team’s Namespace and Secret listed in the record, and says so', async () => {
    const ns = await env().createNamespace('owned');
    const team = await env().createNamespace('other-team');
    await env().core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'team-db' }, stringData: { password: 'x' } },
    });
    try {
      await install(installRequest(env(), ns, { preflight: undefined }));
      // Foreign entries in the deployed record, as if it had been edited.
      const [record] = await listReleases(env().core, ns);
      assert.ok(record);
      const foreign = [
        { apiVersion: 'v1', kind: 'Namespace', name: team },
        { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'team-db' },
      ];
      await saveRelease(env().core, ns, { ...record, objects: [...(record.objects ?? []), ...foreign] });

      const messages: string[] = [];
      const result = await upgrade(
        upgradeRequest(env(), ns, { values: { sets: ['replicas=2'] }, progress: (m) => messages.push(m) }),
      );
      assert.equal(result.outcome, 'upgraded');
      assert.ok(await env().core.readNamespace({ name: team }), 'the other team’s namespace is there');
      assert.ok(await env().core.readNamespacedSecret({ name: 'team-db', namespace: ns }));
      assert.ok(
        messages.some((m) =>
          m.startsWith(`left Secret/${ns}/team-db: it has no app.kubernetes.io/managed-by=vkctl label`),
        ),
        messages.join('\n'),
      );

      // The upgraded record no longer lists them; put them back for uninstall to meet.
      const releases = await listReleases(env().core, ns);
      const latest = releases.at(-1);
      assert.ok(latest);
      await saveRelease(env().core, ns, { ...latest, objects: [...(latest.objects ?? []), ...foreign] });
      const plan = await uninstallPlan(env(), ns);
      assert.ok(
        !plan.removed.some((entry) => entry.includes(team) || entry.includes('team-db')),
        plan.removed.join('\n'),
      );
      await removeAddon(env(), ns);
      assert.ok(await env().core.readNamespace({ name: team }));
      assert.ok(await env().core.readNamespacedSecret({ name: 'team-db', namespace: ns }));
    } finally {
      await removeAddon(env(), ns).catch(() => undefined);
    }
  });

  it('refuses a second install in another namespace, even with --skip-checks, and changes nothing of the first', async () => {
    const first = await env().createNamespace('first');
    const second = await env().createNamespace('second');
    try {
      await install(installRequest(env(), first, { preflight: undefined }));
      await assert.rejects(
        install(installRequest(env(), second, { preflight: undefined, nodeName: `vk-${second}` })),
        new RegExp(`vkctl is already installed in namespace ${first} \\(one per cluster`),
      );
      assert.equal((await listReleases(env().core, second)).length, 0, 'nothing recorded in the second');
      const webhook = await env()
        .kc.makeApiClient(AdmissionregistrationV1Api)
        .readMutatingWebhookConfiguration({ name: 'vkctl-burst-policy' });
      assert.equal(webhook.webhooks?.[0]?.clientConfig.service?.namespace, first);
    } finally {
      await removeAddon(env(), first);
    }
  });

  it('uninstall removes the Leases and the CSRs the add-on caused, and --dry-run lists them', async () => {
    const ns = await env().createNamespace('leftovers');
    const nodeName = `vk-${ns}`;
    const certificates = env().kc.makeApiClient(CertificatesV1Api);
    const csrsOfNode = async () =>
      (await certificates.listCertificateSigningRequest()).items.filter((c) =>
        (c.metadata?.name ?? '').startsWith(`vkctl-${nodeName}-`),
      );
    try {
      await install(installRequest(env(), ns, { preflight: undefined }));
      assert.ok((await csrsOfNode()).length > 0, 'install asked for the node certificate');
      // The leader Lease a 0.1.0 runtime left in the add-on's namespace.
      await env()
        .kc.makeApiClient(CoordinationV1Api)
        .createNamespacedLease({
          namespace: ns,
          body: { metadata: { name: 'vkctl-provider' }, spec: { holderIdentity: 'old' } },
        });
      const plan = await uninstallPlan(env(), ns);
      assert.ok(plan.removed.includes(`Lease/${ns}/vkctl-provider`), plan.removed.join('\n'));
      assert.ok(
        plan.removed.some((e) => e.startsWith(`CertificateSigningRequests of system:node:${nodeName}`)),
      );
      await removeAddon(env(), ns);
      assert.deepEqual(await csrsOfNode(), []);
      await assert.rejects(
        env()
          .kc.makeApiClient(CoordinationV1Api)
          .readNamespacedLease({ name: 'vkctl-provider', namespace: ns }),
        (e: { code?: number }) => e.code === 404,
      );
    } finally {
      await removeAddon(env(), ns).catch(() => undefined);
    }
  });

  it('uninstalls by vkctl’s labels when the release record cannot be read', async () => {
    const ns = await env().createNamespace('corrupt');
    try {
      const installed = await install(installRequest(env(), ns, { preflight: undefined }));
      const secret = await env().core.readNamespacedSecret({ name: 'vkctl.release.v1', namespace: ns });
      await env().core.replaceNamespacedSecret({
        name: 'vkctl.release.v1',
        namespace: ns,
        body: { ...secret, data: { release: Buffer.from('not gzip').toString('base64') } },
      });
      const [record] = await listReleases(env().core, ns);
      assert.match(record?.unreadable ?? '', /cannot be read/);
      await removeAddon(env(), ns);
      const left = await Promise.all(
        installed.objects.map((ref) =>
          KubernetesObjectApi.makeApiClient(env().kc)
            .read({
              apiVersion: ref.apiVersion,
              kind: ref.kind,
              metadata: { name: ref.name, namespace: ref.namespace },
            })
            .then(
              () => describeRef(ref),
              () => undefined,
            ),
        ),
      );
      assert.deepEqual(left.filter(Boolean), [], 'nothing of the release is left');
    } finally {
      await removeAddon(env(), ns).catch(() => undefined);
    }
  });
});
