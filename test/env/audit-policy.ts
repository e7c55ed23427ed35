// What the test control plane's apiservers write to their audit logs (control-plane.ts), for the
// bench: each request of the audited group as it arrives, so that one client's requests can be
// counted (audit.ts); its status writes and the scheduler's bindings also as answered, so that a
// pod's bind-to-Running can be taken with both ends at the apiserver. Nothing else.

/** Requests by members of this group are written to the audit log; of others', only the scheduler's bindings are. */
export const AUDITED_GROUP = 'vkctl-test:audited';

/** The apiservers' --audit-policy-file (audit.k8s.io/v1 Policy). */
export function auditPolicy() {
  return {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['ResponseStarted', 'Panic'],
    rules: [
      // The audited group's writes of pods' status, as they arrive and as they are answered: the
      // bench's bind-to-Running as the apiserver recorded it ends at the answer.
      {
        level: 'Metadata',
        userGroups: [AUDITED_GROUP],
        verbs: ['patch', 'update'],
        resources: [{ group: '', resources: ['pods/status'] }],
      },
      // Its other requests once each, as they arrive (the bench counts them).
      { level: 'Metadata', userGroups: [AUDITED_GROUP], omitStages: ['ResponseComplete'] },
      // The scheduler's bindings, as answered: where that bind-to-Running starts.
      {
        level: 'Metadata',
        users: ['system:kube-scheduler'],
        verbs: ['create'],
        resources: [{ group: '', resources: ['pods/binding'] }],
        omitStages: ['RequestReceived'],
      },
      { level: 'None' },
    ],
  };
}
