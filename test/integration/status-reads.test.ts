// `vkctl status` and `vkctl history` read with plain GETs when the kubeconfig is a plain one
// (src/kube/plain-get.ts) and through client-node otherwise: both ways print the same as the
// library's addonStatus and addonHistory, on the real apiserver.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { PROVIDER_DEPLOYMENT } from '../../src/shared/names.js';
import { saveRelease } from '../../src/addon/release-store.js';
import { addonHistory, addonStatus } from '../../src/addon/status.js';
import { useTestEnvironment } from '../env/environment.js';
import { runVkctl } from '../env/run-cli.js';

describe('vkctl status and history: plain GETs and client-node agree', function () {
  this.timeout(60_000);
  const env = useTestEnvironment();
  let namespace = '';
  let empty = '';
  const kubeconfigs: Record<'plain' | 'clientNode', string> = { plain: '', clientNode: '' };

  before(async () => {
    namespace = await env().createNamespace('status-reads');
    empty = await env().createNamespace('status-reads-empty');
    const { core, apps } = env();
    const values = { nodeName: `vk-${namespace}` };
    await saveRelease(core, namespace, { revision: 1, version: '0.1.0', status: 'superseded', values });
    await saveRelease(core, namespace, {
      revision: 2,
      version: '0.1.0',
      status: 'deployed',
      values,
      description: 'upgrade complete',
    });
    const labels = { app: 'status-reads' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: PROVIDER_DEPLOYMENT },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'none' }] } },
        },
      },
    });
    // The admin kubeconfig (a token and a CA) takes plain GETs; the same token from a file
    // (client-node's token-file) does not.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-status-reads-'));
    kubeconfigs.plain = env().controlPlane.cluster.adminKubeconfigPath;
    const config = load(readFileSync(kubeconfigs.plain, 'utf8')) as {
      users: { user: Record<string, string> }[];
    };
    for (const entry of config.users) {
      if (!entry.user.token) continue;
      writeFileSync(path.join(dir, 'token'), entry.user.token);
      entry.user = { 'token-file': path.join(dir, 'token') };
    }
    kubeconfigs.clientNode = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfigs.clientNode, JSON.stringify(config));
  });

  for (const way of ['plain', 'clientNode'] as const) {
    it(`prints what the library reads (${way === 'plain' ? 'plain GETs' : 'client-node'})`, async () => {
      const run = async (args: string[], code = 0) => {
        const result = await runVkctl([...args, '--json', '--kubeconfig', kubeconfigs[way]]);
        assert.equal(result.code, code, result.stderr);
        return JSON.parse(result.stdout) as unknown;
      };
      const status = await run(['status', '-n', namespace]);
      assert.deepEqual(status, JSON.parse(JSON.stringify(await addonStatus(env().kc, namespace))));
      assert.deepEqual(status, {
        ...(status as object),
        installed: true,
        revision: 2,
        status: 'deployed',
        deployment: { ...(status as { deployment: object }).deployment, available: 0, desired: 2 },
        node: { name: `vk-${namespace}`, registered: false, ready: false },
      });
      assert.deepEqual(await run(['history', '-n', namespace]), {
        revisions: JSON.parse(JSON.stringify(await addonHistory(env().kc, namespace))) as unknown,
      });
      // As `helm status`: nothing installed prints so, and exits 1.
      assert.deepEqual(await run(['status', '-n', empty], 1), { installed: false, namespace: empty });
    });
  }
});
