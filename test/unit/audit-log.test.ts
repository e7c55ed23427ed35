// The bench's reading of the apiserver's audit log (test/env/audit-log.ts), which the apiserver
// appends to while it is read.
import assert from 'node:assert/strict';
import { auditEventsOf } from '../../test/env/audit-log.js';

const line = (username: string, at: string, verb = 'patch') =>
  JSON.stringify({ verb, requestReceivedTimestamp: at, user: { username } });

describe('the audit log reader', () => {
  it('takes one user’s complete events inside the window, in log order', () => {
    const text = [
      line('runtime', '2026-12-03T10:00:00.000Z', 'create'),
      line('other', '2026-12-03T10:00:01.000Z'),
      line('runtime', '2026-12-03T10:00:02.000Z', 'patch'),
      line('runtime', '2026-12-03T10:00:09.000Z', 'update'),
      '',
    ].join('\n');
    const from = Date.parse('2026-12-03T10:00:00.000Z');
    const to = Date.parse('2026-12-03T10:00:05.000Z');
    assert.deepEqual(
      auditEventsOf(text, 'runtime', from, to).map((e) => e.verb),
      ['create', 'patch'],
    );
  });

  it('leaves out a last line the apiserver is still writing', () => {
    const whole = line('runtime', '2026-12-03T10:00:00.000Z');
    const half = line('runtime', '2026-12-03T10:00:01.000Z').slice(0, -2);
    const events = auditEventsOf(`${whole}\n${half}`, 'runtime', 0, Date.now());
    assert.equal(events.length, 1);
    assert.equal(events[0]?.requestReceivedTimestamp, '2026-12-03T10:00:00.000Z');
  });

  it('still fails on a broken line that is complete, rather than miscount', () => {
    const broken = line('runtime', '2026-12-03T10:00:00.000Z').slice(0, -2);
    assert.throws(() => auditEventsOf(`${broken}\n`, 'runtime', 0, Date.now()), SyntaxError);
  });
});
