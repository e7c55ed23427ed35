// The proxy follows a rewritten kubeconfig; a file caught half-written must not end the process
// (a throw inside the timer would) and must be read again once whole. It follows every file the
// kubeconfig is merged from (a KUBECONFIG list, split as kubectl splits it), not only the first.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import {
  followedKubeconfigFiles,
  followKubeConfig,
} from '../../src/provider/interconnect/kubeconfig-reload.js';
import { proxySettings } from '../../src/provider/interconnect/proxy-settings.js';

const quietLog = () => {
  const lines: string[] = [];
  return { lines, info: (msg: string) => void lines.push(msg), warn: (msg: string) => void lines.push(msg) };
};

describe('following a rewritten kubeconfig', () => {
  it('retries a file that does not load yet, then applies it once, and stops', async () => {
    let signature = 'v1';
    let whole = false;
    const applied: KubeConfig[] = [];
    const log = quietLog();
    const stop = followKubeConfig(
      {
        signature: () => signature,
        load: () => {
          if (!whole) throw new Error('half a file');
          return new KubeConfig();
        },
        intervalMs: 5,
      },
      (kc) => {
        applied.push(kc);
        return Promise.resolve();
      },
      log,
    );
    await sleep(30);
    assert.equal(applied.length, 0, 'nothing changed yet');
    signature = 'v2-half';
    await sleep(30);
    assert.equal(applied.length, 0, 'a half-written file is not applied');
    assert.ok(log.lines.includes('the rewritten kubeconfig does not load yet; trying again'));
    whole = true;
    await sleep(30);
    assert.equal(applied.length, 1, 'applied once it loads, under the same signature');
    await sleep(30);
    assert.equal(applied.length, 1, 'and not again while it stays the same');
    stop();
    signature = 'v3';
    await sleep(30);
    assert.equal(applied.length, 1, 'stopped');
    assert.ok(log.lines.includes('credentials reloaded'));
  });

  it('logs a failed restart and goes on following', async () => {
    let signature = 'a';
    let calls = 0;
    const log = quietLog();
    const stop = followKubeConfig(
      { signature: () => signature, load: () => new KubeConfig(), intervalMs: 5 },
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('watch refused')) : Promise.resolve();
      },
      log,
    );
    signature = 'b';
    await sleep(30);
    signature = 'c';
    await sleep(30);
    stop();
    assert.equal(calls, 2);
    assert.deepEqual(
      log.lines.filter((l) => l !== 'the rewritten kubeconfig does not load yet; trying again'),
      ['reloading credentials failed', 'credentials reloaded'],
    );
  });
});

describe('the files the proxy’s kubeconfig reload follows', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vkctl-reload-'));
  const contexts = path.join(dir, 'contexts');
  const credentials = path.join(dir, 'credentials');
  const later = path.join(dir, 'later');
  const saved = process.env.KUBECONFIG;

  // The context in one file, the cluster and the user (with the token that gets refreshed) in
  // another, merged through a KUBECONFIG list.
  const writeCredentials = (token: string) =>
    writeFileSync(
      credentials,
      stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443' } }],
        users: [{ name: 'u', user: { token } }],
      }),
    );

  before(() => {
    writeFileSync(
      contexts,
      stringify({ contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' }),
    );
    writeCredentials('first');
  });

  afterEach(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are every file of a KUBECONFIG list, split on the platform’s delimiter, missing ones too; the flag’s file alone', () => {
    const env = { KUBECONFIG: [contexts, later, credentials, contexts, ''].join(path.delimiter) };
    assert.deepEqual(followedKubeconfigFiles(undefined, env).sort(), [contexts, credentials, later].sort());
    assert.deepEqual(followedKubeconfigFiles(credentials, env), [credentials]);
    assert.deepEqual(followedKubeconfigFiles(undefined, { HOME: dir }), [], 'no ~/.kube/config: in-cluster');
  });

  it('reloads when the second file of the list is rewritten, and when a listed file appears', async () => {
    process.env.KUBECONFIG = [contexts, credentials, later].join(path.delimiter);
    const log = quietLog();
    const settings = proxySettings(
      {
        dnsAddress: '127.0.0.1:5353',
        clusterDomain: 'cluster.local',
        upstreamDns: '10.0.0.10:53',
        statusPort: 10256,
        reservedPorts: '',
        reloadInterval: '10ms',
      },
      { ...log, debug: () => undefined, error: () => undefined },
    );
    assert.equal(settings.kc.getCurrentUser()?.token, 'first');
    assert.ok(settings.reloadKubeConfig, 'the kubeconfig is followed');
    const applied: KubeConfig[] = [];
    const stop = followKubeConfig(
      settings.reloadKubeConfig,
      (kc) => {
        applied.push(kc);
        return Promise.resolve();
      },
      log,
    );
    try {
      writeCredentials('refreshed-token');
      const deadline = Date.now() + 5000;
      while (applied.length === 0 && Date.now() < deadline) await sleep(10);
      assert.equal(applied[0]?.getCurrentUser()?.token, 'refreshed-token');
      // A file listed but missing until now: once it appears, it is merged in too.
      writeFileSync(later, stringify({ users: [{ name: 'other', user: { token: 'x' } }] }));
      while (applied.length === 1 && Date.now() < deadline) await sleep(10);
      assert.ok(
        applied[1]?.getUsers().some((u) => u.name === 'other'),
        'the file that appeared is loaded',
      );
    } finally {
      stop();
    }
  });
});
