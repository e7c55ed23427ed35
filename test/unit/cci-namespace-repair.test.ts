// A CCI namespace (or its Network) deleted under a running runtime is made again when a create says
// so (404, or a 409 that is not AlreadyExists): one repair at a time, not again within 10 s, and
// nothing for other failures.
import assert from 'node:assert/strict';
import { CloudApiError } from '../../src/cloud/http.js';
import { NamespaceRepair } from '../../src/provider/cci-namespace-repair.js';
import type { Logger } from '../../src/provider/logger.js';

const lines: string[] = [];
const log: Logger = {
  debug: () => undefined,
  info: (message) => void lines.push(message),
  warn: (message) => void lines.push(message),
  error: (message) => void lines.push(message),
};
const gone = new CloudApiError('cci', 404, 'NotFound', 'namespaces "cce-burst-x" not found');
const noNetwork = new CloudApiError(
  'cci',
  409,
  'Conflict',
  'namespace cce-burst-x has no Active network yet',
);
const exists = new CloudApiError('cci', 409, 'AlreadyExists', 'pods "p" already exists');

describe('repairing the CCI namespace', () => {
  it('makes it again once for a burst of 404s, and says so', async () => {
    let repairs = 0;
    let finish: () => void = () => undefined;
    const repair = new NamespaceRepair(
      () => {
        repairs += 1;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      'cce-burst-x',
      log,
    );
    repair.notice(gone);
    repair.notice(gone);
    repair.notice(noNetwork);
    assert.equal(repairs, 1, 'one at a time');
    finish();
    await repair.idle();
    repair.notice(gone);
    assert.equal(repairs, 1, 'not again within the interval');
    assert.ok(lines.includes('the CCI namespace or its Network is gone; making them again'));
    assert.ok(lines.includes('the CCI namespace and its Network are back'));
  });

  it('starts for a 409 without an Active Network, not for AlreadyExists or other failures', async () => {
    const started: string[] = [];
    const make = (name: string) =>
      new NamespaceRepair(
        () => {
          started.push(name);
          return Promise.resolve();
        },
        'cce-burst-x',
        log,
      );
    make('409').notice(noNetwork);
    make('exists').notice(exists);
    make('500').notice(new CloudApiError('cci', 500, 'InternalError', 'boom'));
    make('plain').notice(new Error('socket hang up'));
    await Promise.resolve();
    assert.deepEqual(started, ['409']);
  });

  it('logs a failed repair, and leaves the next try to a later failure', async () => {
    let calls = 0;
    const repair = new NamespaceRepair(
      () => {
        calls += 1;
        return Promise.reject(new Error('CCI forbids it'));
      },
      'cce-burst-x',
      log,
    );
    repair.notice(gone);
    await repair.idle();
    assert.equal(calls, 1);
    assert.ok(lines.includes('making the CCI namespace again failed; trying on the next failure'));
  });

  it('does nothing without a way to repair (a backend given in)', () => {
    assert.doesNotThrow(() => new NamespaceRepair(undefined, 'x', log).notice(gone));
  });
});
