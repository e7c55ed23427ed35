// CCI 1.0 answers errors as a Kubernetes Status with its own `errorCode` (huaweicloudDocs/cci,
// `cn.zh-cn/API 参考/错误码.md`). The codes a user can act on get a line that says what to do; the
// rest keep CCI's message. Two codes mean "this account has not authorized CCI", and one of them is
// a 404, so a 404 from CCI is "not found" only when it is not that one.
export const CCI_NOT_AUTHORIZED = ['CCI.01.401102', 'CCI.01.404101'];

const WHAT_TO_DO: Record<string, string> = {
  'CCI.01.401102':
    'CCI is not authorized for this account: open the CCI console in this region once and agree to authorize it',
  'CCI.01.404101':
    'CCI is not authorized for this account (no agency found): open the CCI console in this region once and agree to authorize it',
  'CCI.01.400202': 'CCI refused the Network: its annotations lack this project’s ID',
  'CCI.02.400106':
    'this account already has the most CCI namespaces allowed in this region (5): delete one it no longer needs, or ask Huawei Cloud to raise the quota',
  'CCI.02.409101':
    'the CCI namespace name is taken (CCI namespace names are unique across all accounts): choose another as the add-on’s cciNamespace value',
  'CCI.02.400110': 'CCI refused the namespace’s flavor: only general-computing is offered',
  'CCI.02.400111': 'CCI needs the namespace’s flavor annotation namespace.kubernetes.io/flavor',
  'CCI.01.403104': 'these credentials may not do this in CCI: grant the user CCI permissions in IAM',
};

/** What a user should read for CCI's `code`, with CCI's own words after it; undefined if not ours. */
export function cciErrorLine(code: string | undefined, message: string): string | undefined {
  const todo = code ? WHAT_TO_DO[code] : undefined;
  return todo ? `${todo} (CCI ${code}: ${message})` : undefined;
}
