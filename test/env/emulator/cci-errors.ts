// CCI 1.0's documented error answers: a Kubernetes Status with CCI's own `errorCode` beside it,
// e.g. {"kind":"Status",...,"reason":"Conflict","code":409,"errorCode":"CCI.02.409101"}.
// Source for the body shape and every code, status and message below: huaweicloudDocs/cci at
// e6d59a8, `cn.zh-cn/API 参考/错误码.md` (the messages are the table's English "错误信息" column,
// typos included, since that is what CCI sends).
import { KubeStatusError } from './http.js';

const DOCUMENTED = {
  /** "请求错误: 请求体不合法" — the generic answer for a body CCI refuses. */
  'CCI.01.400101': [400, 'BadRequest', 'request body error'],
  /** Creating a Network whose annotations lack (or misstate) the project id. */
  'CCI.01.400202': [400, 'BadRequest', 'project id in network request body invaild'],
  /** The account has not authorized CCI (no agency): "请先授信CCI服务". */
  'CCI.01.401102': [401, 'Unauthorized', 'user has no agency to cci，please apply a agency to cci'],
  /** The agency CCI looks up does not exist: "请登录前端界面...点击“服务授权”中“同意授权”". */
  'CCI.01.404101': [404, 'NotFound', 'no agency found for user'],
  /** "创建namespace失败：namespace配额不足". */
  'CCI.02.400106': [400, 'BadRequest', 'used namespaces exceeds quota, could not create any more'],
  /** "创建namespace失败：Flavor字段不合法". */
  'CCI.02.400110': [400, 'BadRequest', 'Create namespace failed: NamespaceFlavorInvalid'],
  /** "创建namespace失败：Flavor字段为空". */
  'CCI.02.400111': [400, 'BadRequest', 'Create namespace failed: NamespaceFlavorMissed'],
  /** "创建namespace失败：namespace名称已存在" — names are unique across all accounts. */
  'CCI.02.409101': [409, 'Conflict', 'namespace name is already exist'],
} as const satisfies Record<string, readonly [number, string, string]>;

export type CciErrorCode = keyof typeof DOCUMENTED;

/**
 * The documented error for `code`, with the documented message only: the docs show no more, so vkctl
 * must work from the code. `detail` (which rule refused) goes to Status.details.causes for whoever
 * reads the test logs.
 */
export function cciError(code: CciErrorCode, detail?: string): KubeStatusError {
  const [status, reason, message] = DOCUMENTED[code];
  return new KubeStatusError(status, reason, message, code, detail);
}
