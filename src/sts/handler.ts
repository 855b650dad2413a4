import { errorText, log } from '../core/log';
import type { Env } from '../env';
import type { RequestInfo } from '../hooks/request-hooks';
import { assumeRoleWithWebIdentity } from './assume-role';
import { hashClientIp, recordStsCall } from './audit';
import { getCallerIdentity } from './caller-identity';
import { StsError } from './errors';
import { actionOf, isFormEncoded, readStsRequest, STS_API_VERSION, stsErrorResponse, stsResponse } from './protocol';
import { enforceStsRateLimit } from './rate-limit';

/** What the audit log records of a call, filled in as far as the call got. Never a credential. */
export interface StsTrace {
  role?: string;
  sessionName?: string;
  issuer?: string;
  subject?: string;
  accessKeyId?: string;
  jti?: string;
  expiration?: string;
  arn?: string;
}

/**
 * One STS call (`/.sts`, or `POST /` with a form body): count it against its client's rate
 * limit, read the query-protocol parameters, run the action, answer XML, and audit the call once
 * answered (waitUntil). A throttled call is answered before its body is read and is not audited.
 * The request id is the one the composition root assigned; the error code is reported in `info`.
 */
export async function handleStsRequest(request: Request, env: Env, executionCtx: ExecutionContext, info: RequestInfo): Promise<Response> {
  const { requestId } = info;
  const now = new Date();
  const trace: StsTrace = {};
  let action: 'AssumeRoleWithWebIdentity' | 'GetCallerIdentity' | undefined;
  let outcome = 'success';
  let reason: string | undefined;
  let clientIpHash: string | null = null;
  try {
    clientIpHash = await hashClientIp(env, request.headers.get('cf-connecting-ip'), now);
    await enforceStsRateLimit(env, clientIpHash);
    if (request.method !== 'GET' && request.method !== 'POST') throw new StsError('InvalidAction', 'STS actions are called with GET or POST.');
    const sts = await readStsRequest(request);
    const name = actionOf(sts.params);
    if (name === 'AssumeRoleWithWebIdentity') {
      action = name;
      const result = await assumeRoleWithWebIdentity(env, sts.params, { now, waitUntil: (p) => executionCtx.waitUntil(p) }, trace);
      return stsResponse(action, result, requestId);
    }
    if (name === 'GetCallerIdentity') {
      action = name;
      return stsResponse(action, await getCallerIdentity(env, request, sts, now, trace), requestId);
    }
    throw new StsError('InvalidAction', `Could not find operation ${name.slice(0, 64)} for version ${STS_API_VERSION}`);
  } catch (error) {
    const e = error instanceof StsError ? error : internalFailure(error, requestId);
    outcome = e.code;
    info.errorCode = e.code;
    reason = e.message.slice(0, 200);
    return stsErrorResponse(e, requestId);
  } finally {
    // The log line and usage record (src/hooks): who the call was for, never a token.
    info.principal = action === 'GetCallerIdentity' ? (trace.accessKeyId ?? 'anonymous') : trace.role && trace.sessionName ? `${trace.role}/${trace.sessionName}` : 'anonymous';
    if (action) info.operation = `sts.${action}`;
    if (action) {
      const actor = action === 'GetCallerIdentity' ? (trace.accessKeyId ?? 'anonymous') : trace.subject ? `${trace.issuer}#${trace.subject}` : 'anonymous';
      const target = action === 'GetCallerIdentity' ? (trace.arn ?? null) : (trace.role ?? null);
      executionCtx.waitUntil(recordStsCall(env, clientIpHash, { action, actor, target, outcome, detail: { ...trace, reason, requestId } }, now));
    }
  }
}

/**
 * SDKs whose STS endpoint is the gateway's root POST the form to `/`. No S3 operation is a
 * form-encoded POST to `/` without a query (DeleteObjects has `?delete`, browser uploads are
 * multipart), so such a request is STS.
 */
export function isStsRootCall(request: Request): boolean {
  const url = new URL(request.url);
  return request.method === 'POST' && url.pathname === '/' && url.search === '' && isFormEncoded(request.headers.get('content-type'));
}

function internalFailure(error: unknown, requestId: string): StsError {
  log.error('sts request failed', { requestId, error: errorText(error) });
  return new StsError('InternalFailure', 'An internal error occurred. Please try again.');
}
