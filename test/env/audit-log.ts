// Reading the apiserver's audit log (one JSON event a line). The apiserver appends to it while the
// bench reads, so the file's last line may be half written; only lines that end in a newline are
// events. That half line once ended an hour-long `npm run bench` with a JSON syntax error.

export interface AuditEvent {
  /** RequestReceived as the request arrives; ResponseComplete once it is answered. */
  stage: 'RequestReceived' | 'ResponseComplete';
  verb: string;
  requestReceivedTimestamp: string;
  /** When this stage was reached: the answer's time, for ResponseComplete. */
  stageTimestamp: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
}

/** `user`'s events in `text` (the log as read) that arrived between `from` and `to` (epoch ms), in log order. */
export function auditEventsOf(text: string, user: string, from: number, to: number): AuditEvent[] {
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  const events: AuditEvent[] = [];
  for (const line of complete.split('\n')) {
    // Cheap filter first: the log holds every audited user's events.
    if (!line.includes(`"username":"${user}"`)) continue;
    const event = JSON.parse(line) as AuditEvent;
    const at = Date.parse(event.requestReceivedTimestamp);
    if (event.user.username === user && at >= from && at <= to) events.push(event);
  }
  return events;
}

const WRITES = new Set(['create', 'patch', 'update']);

/**
 * When each pod of `namespace` first had a write of `subresource` ('status' patches and updates, or
 * 'binding' creations) reach `stage` among `events`, by pod name, in epoch ms (the stage's time:
 * arrival for RequestReceived, the answer for ResponseComplete, which must then be a success).
 */
export function firstPodWrites(
  events: AuditEvent[],
  namespace: string,
  subresource: 'status' | 'binding',
  stage: AuditEvent['stage'],
): Map<string, number> {
  const first = new Map<string, number>();
  for (const { stage: at, verb, objectRef, responseStatus, stageTimestamp } of events) {
    if (at !== stage || !WRITES.has(verb) || objectRef?.resource !== 'pods') continue;
    if (objectRef.subresource !== subresource || objectRef.namespace !== namespace) continue;
    if (!objectRef.name || first.has(objectRef.name)) continue;
    const code = responseStatus?.code ?? 0;
    if (stage === 'ResponseComplete' && (code < 200 || code > 299)) continue;
    first.set(objectRef.name, Date.parse(stageTimestamp));
  }
  return first;
}

export interface RequestCount {
  total: number;
  /** By the audit event's verb: get, list, watch, create, update, patch, delete... */
  byVerb: Record<string, number>;
}

/** The requests among `events`, each once: as it arrived (status writes are also logged as answered). */
export function countRequests(events: AuditEvent[]): RequestCount {
  const count: RequestCount = { total: 0, byVerb: {} };
  for (const { stage, verb } of events) {
    if (stage !== 'RequestReceived') continue;
    count.total++;
    count.byVerb[verb] = (count.byVerb[verb] ?? 0) + 1;
  }
  return count;
}
