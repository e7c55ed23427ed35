// KUBECONFIG as kubectl reads it (issue 18): a path list merged with the first file winning for each
// cluster, user and context name and for the current context; missing files and repeated entries
// skipped; nothing found at all is a one-line configuration error. And the context's namespace.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contextNamespace, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-kubeconfig-'));

/** Writes a kubeconfig with one cluster/user/context each, named as given. */
function kubeconfig(
  file: string,
  o: { name: string; server: string; current?: string; namespace?: string; caFile?: string },
): string {
  const full = path.join(dir, file);
  mkdirSync(path.dirname(full), { recursive: true });
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: o.name, cluster: { server: o.server, 'certificate-authority': o.caFile } }],
    users: [{ name: o.name, user: { token: `token-${o.server}` } }],
    contexts: [{ name: o.name, context: { cluster: o.name, user: o.name, namespace: o.namespace } }],
    ...(o.current ? { 'current-context': o.current } : {}),
  };
  writeFileSync(full, JSON.stringify(config));
  return full;
}

describe('KUBECONFIG lists', () => {
  const saved = process.env.KUBECONFIG;
  after(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });
  const withList = (...files: string[]) => {
    process.env.KUBECONFIG = files.join(path.delimiter);
    return loadKubeConfig();
  };

  const a = kubeconfig('a', { name: 'shared', server: 'https://a.example:6443', current: 'shared' });
  const b = kubeconfig('nested/b', {
    name: 'shared',
    server: 'https://b.example:6443',
    current: 'only-b',
    caFile: 'ca.crt',
  });
  const onlyB = kubeconfig('nested/only-b', {
    name: 'only-b',
    server: 'https://only-b.example:6443',
    current: 'only-b',
    namespace: 'shop',
    caFile: 'ca.crt',
  });

  it('merge several files, the first one naming a cluster, user, context or current context winning', () => {
    const kc = withList(path.join(dir, 'missing'), a, a, b, onlyB);
    assert.equal(kc.getCurrentContext(), 'shared', 'the first current-context set');
    assert.equal(kc.getCurrentCluster()?.server, 'https://a.example:6443', 'a’s "shared" cluster');
    assert.equal(kc.getCurrentUser()?.token, 'token-https://a.example:6443');
    assert.deepEqual(
      kc
        .getContexts()
        .map((c) => c.name)
        .sort(),
      ['only-b', 'shared'],
    );
    assert.equal(
      kc.getClusters().find((c) => c.name === 'only-b')?.caFile,
      path.join(dir, 'nested', 'ca.crt'),
      'a relative path is relative to its own file',
    );
  });

  it('take the current context from a later file when the first sets none', () => {
    const noCurrent = kubeconfig('no-current', { name: 'other', server: 'https://c.example:6443' });
    const kc = withList(noCurrent, b, onlyB);
    assert.equal(kc.getCurrentContext(), 'only-b');
    assert.equal(contextNamespace(kc), 'shop', 'the context’s namespace');
  });

  it('read a list with one existing file as that file', () => {
    const kc = withList(path.join(dir, 'missing'), onlyB);
    assert.equal(kc.getCurrentCluster()?.server, 'https://only-b.example:6443');
  });

  it('refuse a list none of whose files exists, naming them', () => {
    assert.throws(
      () => withList(path.join(dir, 'x'), path.join(dir, 'y')),
      (error: Error) =>
        error instanceof ConfigError &&
        error.message.startsWith('no kubeconfig found: none of the files KUBECONFIG lists exists (') &&
        error.message.includes(path.join(dir, 'y')),
    );
  });

  it('say a kubeconfig without a current context has none, and ask for a context', () => {
    const noCurrent = kubeconfig('no-current.yaml', { name: 'nc', server: 'https://nc.example:6443' });
    assert.throws(
      () => loadKubeConfig({ kubeconfig: noCurrent }),
      (error: ConfigError) =>
        error.message === `kubeconfig ${noCurrent} has no current context with a cluster` &&
        error.advice?.missing?.[0]?.option === 'context',
    );
    // The same file with --context is fine.
    assert.equal(loadKubeConfig({ kubeconfig: noCurrent, context: 'nc' }).getCurrentCluster()?.name, 'nc');
  });

  it('leave the namespace unset when the context names none', () => {
    assert.equal(contextNamespace(withList(a)), undefined);
  });
});
