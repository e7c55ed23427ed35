// What `vkctl install` (and uninstall) must be allowed to do, checked by doctor --pre with
// SelfSubjectAccessReviews before anything is applied.
export interface Permission {
  group: string;
  resource: string;
  verbs: string[];
  /** Checked in the add-on's namespace; cluster-wide when false. */
  namespaced: boolean;
  /** One object by name (a signer). */
  name?: string;
}

const MANAGE = ['get', 'create', 'patch', 'delete'];

export const INSTALL_PERMISSIONS: readonly Permission[] = [
  { group: '', resource: 'namespaces', verbs: ['get'], namespaced: false },
  { group: '', resource: 'serviceaccounts', verbs: MANAGE, namespaced: true },
  { group: '', resource: 'secrets', verbs: [...MANAGE, 'list'], namespaced: true },
  { group: '', resource: 'configmaps', verbs: MANAGE, namespaced: true },
  { group: '', resource: 'services', verbs: MANAGE, namespaced: true },
  { group: 'apps', resource: 'deployments', verbs: MANAGE, namespaced: true },
  { group: 'policy', resource: 'poddisruptionbudgets', verbs: MANAGE, namespaced: true },
  // Creating a ClusterRole that grants what one does not hold needs escalate; binding it, bind.
  {
    group: 'rbac.authorization.k8s.io',
    resource: 'clusterroles',
    verbs: [...MANAGE, 'escalate', 'bind'],
    namespaced: false,
  },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verbs: MANAGE, namespaced: false },
  // With interconnect: the Role that lets the approver container request vkctl-proxy tokens.
  {
    group: 'rbac.authorization.k8s.io',
    resource: 'roles',
    verbs: [...MANAGE, 'escalate', 'bind'],
    namespaced: true,
  },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', verbs: MANAGE, namespaced: true },
  {
    group: 'admissionregistration.k8s.io',
    resource: 'mutatingwebhookconfigurations',
    verbs: MANAGE,
    namespaced: false,
  },
  // The runtime's node certificate: install asks for it and approves it (the signer is checked by
  // name: approve on signers/kubernetes.io/kube-apiserver-client-kubelet).
  {
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests',
    verbs: ['get', 'create', 'list', 'delete'],
    namespaced: false,
  },
  {
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests/approval',
    verbs: ['update'],
    namespaced: false,
  },
  {
    group: 'certificates.k8s.io',
    resource: 'signers',
    name: 'kubernetes.io/kube-apiserver-client-kubelet',
    verbs: ['approve'],
    namespaced: false,
  },
  { group: '', resource: 'nodes', verbs: ['get', 'list', 'patch', 'delete'], namespaced: false },
  { group: '', resource: 'pods', verbs: ['list', 'delete'], namespaced: false },
  { group: '', resource: 'pods/eviction', verbs: ['create'], namespaced: false },
  { group: 'coordination.k8s.io', resource: 'leases', verbs: ['delete'], namespaced: false },
];
