// The emulator's kubelet decisions after a container exits (test/env/emulator/kubelet-model.ts):
// whether it runs again and what its status says, per restartPolicy, for init and app containers.
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { afterExit, runningStatus } from '../../test/env/emulator/kubelet-model.js';

const init = { name: 'setup', image: 'busybox' };
const app = { name: 'web', image: 'nginx' };
const pod = (restartPolicy: string): V1Pod => ({
  metadata: { uid: 'u1' },
  spec: { restartPolicy, initContainers: [init], containers: [app] },
});

describe('the emulated kubelet after a container exits', () => {
  const startedAt = new Date('2026-12-03T10:00:00Z');

  it('runs an app container again under Always, even after exit 0, and says it is backing off', () => {
    const p = pod('Always');
    const status = runningStatus(p, app, 0, startedAt, undefined);
    const { init: isInit, restart, next } = afterExit(p, 'web', 0, startedAt, status);
    assert.equal(isInit, false);
    assert.equal(restart, true);
    assert.equal(next?.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(next?.lastState?.terminated?.reason, 'Completed');
    assert.equal(next?.ready, false);
  });

  it('leaves an app container terminated under OnFailure after exit 0, and runs it again after 1', () => {
    const p = pod('OnFailure');
    const status = runningStatus(p, app, 0, startedAt, undefined);
    const done = afterExit(p, 'web', 0, startedAt, status);
    assert.equal(done.restart, false);
    assert.equal(done.next?.state?.terminated?.exitCode, 0);
    assert.equal(afterExit(p, 'web', 1, startedAt, status).restart, true);
  });

  it('makes an init container ready when it exits 0, and runs a failed one again unless Never', () => {
    const status = runningStatus(pod('Always'), init, 0, startedAt, undefined);
    assert.equal(status.ready, false, 'an init container is not ready while it runs');
    const done = afterExit(pod('Always'), 'setup', 0, startedAt, status);
    assert.deepEqual([done.init, done.restart, done.next?.ready], [true, false, true]);
    assert.equal(afterExit(pod('Always'), 'setup', 1, startedAt, status).restart, true);
    const never = afterExit(pod('Never'), 'setup', 1, startedAt, status);
    assert.deepEqual([never.restart, never.next?.state?.terminated?.reason], [false, 'Error']);
  });

  it('does not change the status it was given', () => {
    const status = runningStatus(pod('Always'), app, 2, startedAt, undefined);
    afterExit(pod('Always'), 'web', 1, startedAt, status);
    assert.ok(status.state?.running, 'still running in the object passed in');
    assert.equal(status.restartCount, 2);
  });
});
