// Counting one client's requests to the apiserver. Its metrics count requests of all clients
// together, so the bench gives each runtime a user of its own in the audited group (a client
// certificate from the cluster CA, bound to cluster-admin), and the apiserver's audit policy writes
// one event per request of that group as it arrives (control-plane.ts). Its status writes are also
// logged as answered, and so are the scheduler's bindings: bind-to-Running as the apiserver saw it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { issueCertificate } from '../../src/kube/pki.js';
import { auditEventsOf, countRequests, firstPodWrites, type RequestCount } from './audit-log.js';
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

/** The audit log as written so far ('' before anything was audited). */
function auditLog(env: TestEnvironment): string {
  try {
    return readFileSync(env.controlPlane.auditLogPath, 'utf8');
  } catch {
    return ''; // nothing audited yet
  }
}

export type { RequestCount } from './audit-log.js';

/** Requests `user` made that arrived between `from` and `to` (epoch ms). */
export function auditedRequests(env: TestEnvironment, user: string, from: number, to: number): RequestCount {
  return countRequests(auditEventsOf(auditLog(env), user, from, to));
}

/** What the audit log says of one burst: `user`'s requests, and each pod's first writes, by pod name. */
export interface BurstAudit {
  requests: RequestCount;
  /**
   * When the apiserver received `user`'s first write of the pod's status (after authentication,
   * before priority and fairness queue it), and when it answered its first successful one.
   */
  statusWriteReceived: Map<string, number>;
  statusWriteAnswered: Map<string, number>;
  /** When it answered the scheduler's binding. */
  bindingAnswered: Map<string, number>;
}

/** The audit log's account of a burst in `namespace` between `from` and `to`, read once. */
export function burstAudit(
  env: TestEnvironment,
  user: string,
  namespace: string,
  from: number,
  to: number,
): BurstAudit {
  const text = auditLog(env);
  const own = auditEventsOf(text, user, from, to);
  const scheduler = auditEventsOf(text, 'system:kube-scheduler', from, to);
  return {
    requests: countRequests(own),
    statusWriteReceived: firstPodWrites(own, namespace, 'status', 'RequestReceived'),
    statusWriteAnswered: firstPodWrites(own, namespace, 'status', 'ResponseComplete'),
    bindingAnswered: firstPodWrites(scheduler, namespace, 'binding', 'ResponseComplete'),
  };
}
