// Records and waits that tell the truth (issue 17, items 2 and 3): a rollback whose runtime does not
// come up is recorded failed, not deployed, and status says so; a wait that is stuck says why (the
// scheduler's word on the pod), and so do status and doctor; a failed release can be upgraded.
import assert from 'node:assert/strict';
import { install } from '../../src/addon/install.js';
import { listReleases } from '../../src/addon/release-store.js';
import { addonStatus } from '../../src/addon/status.js';
import { rollback } from '../../src/addon/rollback.js';
import { upgrade } from '../../src/addon/upgrade.js';
import { installRequest, removeAddon, upgradeRequest } from '../env/addon.js';
import { useTestEnvironment } from '../env/environment.js';

describe('records and waits that tell the truth', function () {
  this.timeout(120_000);
  const env = useTestEnvironment();

  it('records a rollback that does not come up as failed, says why it waits, and upgrades from there', async () => {
    const ns = await env().createNamespace('truth');
    try {
      await install(installRequest(env(), ns, { preflight: undefined }));
      // A runtime that can never be scheduled: more CPU than any node has.
      await upgrade(upgradeRequest(env(), ns, { values: { sets: ['resources.cpu=64'] } }));
      const messages: string[] = [];
      const result = await rollback({
        kc: env().kc,
        namespace: ns,
        toRevision: 2,
        wait: true,
        timeoutMs: 4_000,
        progress: (m) => messages.push(m),
      });
      assert.equal(result.outcome, 'failed');
      const latest = (await listReleases(env().core, ns)).at(-1);
      assert.equal(latest?.status, 'failed', 'the record says failed');
      assert.match(latest?.description ?? '', /^Rollback to 2 failed: timed out/);
      assert.ok(
        messages.some((m) => /pod vkctl-provider-\S+: Unschedulable: /.test(m)),
        `the wait says why:\n${messages.join('\n')}`,
      );
      const status = await addonStatus(env().kc, ns);
      assert.equal(status.status, 'failed');
      assert.notEqual(status.deployment?.rollout, 'deployment rolled out');
      // A failed release is upgraded like any (helm does the same).
      const again = await upgrade(upgradeRequest(env(), ns, { values: { sets: ['resources.cpu=250m'] } }));
      assert.equal(again.outcome, 'upgraded');
    } finally {
      await removeAddon(env(), ns);
    }
  });

  it('rolls the runtime when only its config changes (upgrade --set proxyUpstreamDns)', async () => {
    const ns = await env().createNamespace('config-roll');
    const checksum = async () =>
      (await env().apps.readNamespacedDeployment({ name: 'vkctl-provider', namespace: ns })).spec?.template
        .metadata?.annotations?.['vkctl.io/inputs-checksum'];
    try {
      await install(installRequest(env(), ns, { preflight: undefined, sets: ['interconnect=true'] }));
      const before = await checksum();
      assert.ok(before);
      const result = await upgrade(
        upgradeRequest(env(), ns, { values: { sets: ['proxyUpstreamDns=10.0.0.2:53'] } }),
      );
      assert.equal(result.outcome, 'upgraded');
      const config = await env().core.readNamespacedConfigMap({
        name: 'vkctl-provider-config',
        namespace: ns,
      });
      assert.match(config.data?.['config.yaml'] ?? '', /upstreamDns: 10\.0\.0\.2:53/);
      assert.notEqual(await checksum(), before, 'the pod template changed: the Deployment rolls');
    } finally {
      await removeAddon(env(), ns);
    }
  });
});
