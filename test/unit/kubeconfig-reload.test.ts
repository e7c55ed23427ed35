// The proxy follows a rewritten kubeconfig; a file caught half-written must not end the process
// (a throw inside the timer would) and must be read again once whole.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { followKubeConfig } from '../../src/provider/interconnect/kubeconfig-reload.js';

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
