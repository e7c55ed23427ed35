// Who is calling: an IAM token the emulator issued (X-Auth-Token) or an AK/SK signature. Both are
// checked the way the real gateways do: an unknown, expired or tampered credential is a 401.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';
import { verifySignature } from './signature.js';
import type { EmulatorState } from './state.js';

export interface Caller {
  domainId: string;
  /** The project a token is scoped to, or the X-Project-Id an AK/SK request names. */
  projectId?: string;
  via: 'token' | 'aksk';
}

export function authenticate(state: EmulatorState, req: IncomingMessage, body: Buffer): Caller {
  const tokenHeader = req.headers['x-auth-token'];
  if (typeof tokenHeader === 'string') {
    const token = state.tokens.get(tokenHeader);
    if (!token) throw new HttpError(401, 'The token is invalid.', 'APIGW.0301');
    if (token.expiresAt.getTime() < Date.now())
      throw new HttpError(401, 'The token has expired.', 'APIGW.0307');
    return { domainId: token.domainId, projectId: token.projectId, via: 'token' };
  }
  if (!req.headers.authorization) {
    throw new HttpError(
      401,
      'Incorrect IAM authentication information: no X-Auth-Token or signature',
      'APIGW.0301',
    );
  }
  const result = verifySignature(
    { method: req.method ?? 'GET', rawUrl: req.url ?? '/', headers: req.headers, body },
    (accessKey) => state.accountByAccessKey(accessKey)?.credential.secretKey,
  );
  if (!result.ok)
    throw new HttpError(401, `Incorrect IAM authentication information: ${result.reason}`, 'APIGW.0301');
  const found = state.accountByAccessKey(result.accessKey);
  if (!found)
    throw new HttpError(401, 'Incorrect IAM authentication information: unknown access key', 'APIGW.0301');
  const projectHeader = req.headers['x-project-id'];
  const projectId = typeof projectHeader === 'string' ? projectHeader : undefined;
  if (projectId && state.project(projectId)?.domainId !== found.account.domainId) {
    throw new HttpError(403, `project ${projectId} does not belong to this account`, 'APIGW.0305');
  }
  return { domainId: found.account.domainId, projectId, via: 'aksk' };
}

/** The caller may act in `projectId`: a token scoped to it, or AK/SK of its account. */
export function requireProject(state: EmulatorState, caller: Caller, projectId: string): void {
  const project = state.project(projectId);
  if (!project || project.domainId !== caller.domainId) {
    throw new HttpError(403, `no permission for project ${projectId}`, 'APIGW.0305');
  }
  if (caller.projectId && caller.projectId !== projectId) {
    throw new HttpError(
      403,
      `credentials are scoped to project ${caller.projectId}, not ${projectId}`,
      'APIGW.0305',
    );
  }
}

/** The project of a call whose path does not name one (CCE add-ons, CCI). */
export function callerProject(caller: Caller): string {
  if (!caller.projectId) {
    throw new HttpError(
      401,
      caller.via === 'token' ? 'the token is not scoped to a project' : 'X-Project-Id header is required',
      'APIGW.0301',
    );
  }
  return caller.projectId;
}
