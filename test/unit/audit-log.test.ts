// The bench's reading of the apiserver's audit log (test/env/audit-log.ts), which the apiserver
// appends to while it is read.
import assert from 'node:assert/strict';
import { auditEventsOf, countRequests, firstPodWrites, type AuditEvent } from '../../test/env/audit-log.js';

const line = (username: string, at: string, verb = 'patch') =>
  JSON.stringify({
    stage: 'RequestReceived',
    verb,
    requestReceivedTimestamp: at,
    stageTimestamp: at,
    user: { username },
  });

/** A ResponseComplete event for pod `name`'s `subresource`, answered at `at` with `code`. */
const answer = (
  name: string,
  subresource: string,
  at: string,
  code = 200,
  namespace = 'burst',
): AuditEvent => ({
  stage: 'ResponseComplete',
  verb: subresource === 'binding' ? 'create' : 'patch',
  requestReceivedTimestamp: at,
  stageTimestamp: at,
  user: { username: 'runtime' },
  objectRef: { resource: 'pods', namespace, name, subresource },
  responseStatus: { code },
});

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

  it("takes each pod's first successful answer, of the asked subresource and namespace only", () => {
    const received: AuditEvent = {
      ...answer('a', 'status', '2026-12-03T10:00:00.500Z'),
      stage: 'RequestReceived',
    };
    const events = [
      received, // as it arrived: not an answer
      answer('a', 'status', '2026-12-03T10:00:01.000Z', 409), // a conflict: not a write
      answer('a', 'status', '2026-12-03T10:00:02.000Z'),
      answer('a', 'status', '2026-12-03T10:00:03.000Z'), // a later write
      answer('b', 'binding', '2026-12-03T10:00:04.000Z', 201),
      answer('c', 'status', '2026-12-03T10:00:05.000Z', 200, 'other'),
    ];
    assert.deepEqual(
      [...firstPodWrites(events, 'burst', 'status', 'ResponseComplete')],
      [['a', Date.parse('2026-12-03T10:00:02.000Z')]],
    );
    assert.deepEqual(
      [...firstPodWrites(events, 'burst', 'binding', 'ResponseComplete')],
      [['b', Date.parse('2026-12-03T10:00:04.000Z')]],
    );
  });

  it("takes each pod's first write as it arrived, and no read; counts each request once", () => {
    const received = (name: string, at: string, verb: string): AuditEvent => ({
      ...answer(name, 'status', at),
      stage: 'RequestReceived',
      verb,
      responseStatus: undefined,
    });
    const events = [
      received('a', '2026-12-03T10:00:00.000Z', 'get'), // a read of the status: not a write
      received('a', '2026-12-03T10:00:01.000Z', 'patch'),
      answer('a', 'status', '2026-12-03T10:00:01.500Z'), // the same patch, answered
      received('a', '2026-12-03T10:00:02.000Z', 'update'),
    ];
    assert.deepEqual(
      [...firstPodWrites(events, 'burst', 'status', 'RequestReceived')],
      [['a', Date.parse('2026-12-03T10:00:01.000Z')]],
    );
    assert.deepEqual(countRequests(events), { total: 3, byVerb: { get: 1, patch: 1, update: 1 } });
  });
});
