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

/**
 * When each pod of `namespace` got its first successful answer to a request of `subresource` ('status'
 * writes or 'binding' creations) among `events`, by pod name, in epoch ms (the answer's time).
 */
export function firstAnswered(
  events: AuditEvent[],
  namespace: string,
  subresource: 'status' | 'binding',
): Map<string, number> {
  const answered = new Map<string, number>();
  for (const { stage, objectRef, responseStatus, stageTimestamp } of events) {
    if (stage !== 'ResponseComplete' || objectRef?.resource !== 'pods') continue;
    if (objectRef.subresource !== subresource || objectRef.namespace !== namespace) continue;
    const code = responseStatus?.code ?? 0;
    if (code < 200 || code > 299 || !objectRef.name || answered.has(objectRef.name)) continue;
    answered.set(objectRef.name, Date.parse(stageTimestamp));
  }
  return answered;
}
