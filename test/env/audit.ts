// Counting one client's requests to the apiserver. Its metrics count requests of all clients
// together, so the bench gives each runtime a user of its own in the audited group (a client
// certificate from the cluster CA, bound to cluster-admin), and the apiserver's audit policy writes
// one event per request of that group as it arrives (control-plane.ts). Its status writes are also
// logged as answered, and so are the scheduler's bindings: bind-to-Running as the apiserver saw it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { issueCertificate } from '../../src/kube/pki.js';
import { auditEventsOf, firstAnswered, type AuditEvent } from './audit-log.js';
import { writeKubeconfig } from './client-access.js';
import { AUDITED_GROUP } from './audit-policy.js';
import type { TestEnvironment } from './environment.js';

const BINDING = 'vkctl-test-audited-cluster-admin';

/** A kubeconfig file for `user`, a cluster-admin whose requests are audited. */
export async function auditedKubeconfig(env: TestEnvironment, user: string): Promise<string> {
  await env.rbac
    .createClusterRoleBinding({
      body: {
        metadata: { name: BINDING },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: AUDITED_GROUP }],
      },
    })
    .catch((error: unknown) => {
      if ((error as { code?: number }).code !== 409) throw error;
    });
  const { cluster, ca, dir } = env.controlPlane;
  const certificate = issueCertificate(ca, {
    commonName: user,
    organization: AUDITED_GROUP,
    usage: 'client',
  });
  const file = path.join(dir, `${user}.audited.kubeconfig`);
  writeKubeconfig(file, cluster.url, cluster.caPem, user, certificate);
  return file;
}

/** `user`'s audited requests that arrived between `from` and `to` (epoch ms), in arrival order. */
function auditedEvents(env: TestEnvironment, user: string, from: number, to: number): AuditEvent[] {
  let text = '';
  try {
    text = readFileSync(env.controlPlane.auditLogPath, 'utf8');
  } catch {
    return []; // nothing audited yet
  }
  return auditEventsOf(text, user, from, to);
}

/**
 * When the apiserver received `user`'s first write of each pod's status in `namespace` (a patch or
 * an update of pods/status), by pod name, in epoch ms. The audit event is written as the request
 * arrives, after authentication and before priority-and-fairness queues it.
 */
export function firstStatusWrites(
  env: TestEnvironment,
  user: string,
  namespace: string,
  from: number,
  to: number,
): Map<string, number> {
  const writes = new Map<string, number>();
  for (const { stage, verb, objectRef, requestReceivedTimestamp } of auditedEvents(env, user, from, to)) {
    if (stage !== 'RequestReceived' || (verb !== 'patch' && verb !== 'update')) continue;
    if (objectRef?.resource !== 'pods' || objectRef.subresource !== 'status') continue;
    if (objectRef.namespace !== namespace || !objectRef.name || writes.has(objectRef.name)) continue;
    writes.set(objectRef.name, Date.parse(requestReceivedTimestamp));
  }
  return writes;
}

/**
 * Each pod's bind and first status write in `namespace`, as the apiserver answered them (epoch ms, by
 * pod name): the scheduler's binding, and `user`'s first successful write of the pod's status. Both
 * are the audit log's times, so no client's watch is in between.
 */
export function answeredBindAndStatus(
  env: TestEnvironment,
  user: string,
  namespace: string,
  from: number,
  to: number,
): { bound: Map<string, number>; statusWritten: Map<string, number> } {
  return {
    bound: firstAnswered(auditedEvents(env, 'system:kube-scheduler', from, to), namespace, 'binding'),
    statusWritten: firstAnswered(auditedEvents(env, user, from, to), namespace, 'status'),
  };
}

export interface RequestCount {
  total: number;
  /** By the audit event's verb: get, list, watch, create, update, patch, delete... */
  byVerb: Record<string, number>;
}

/** Requests `user` made that arrived between `from` and `to` (epoch ms). */
export function auditedRequests(env: TestEnvironment, user: string, from: number, to: number): RequestCount {
  const count: RequestCount = { total: 0, byVerb: {} };
  for (const { stage, verb } of auditedEvents(env, user, from, to)) {
    if (stage !== 'RequestReceived') continue; // status writes are also logged as answered
    count.total++;
    count.byVerb[verb] = (count.byVerb[verb] ?? 0) + 1;
  }
  return count;
}
