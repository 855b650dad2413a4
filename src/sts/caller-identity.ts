import { parseAuthorizationHeader, parsePresignedQuery, verifySigV4, type SigV4Claim } from '../auth/sigv4-verify';
import { sha256Hex, SIGV4_ALGORITHM, type SignedRequest } from '../auth/sigv4';
import type { Principal } from '../auth/principal';
import type { Env } from '../env';
import { accessKeyCredentialStore } from '../registry/access-keys';
import { isS3Error } from '../core/s3-error';
import { DEFAULT_ACCOUNT } from './assume-role-input';
import { StsError } from './errors';
import type { StsTrace } from './handler';
import type { StsRequest } from './protocol';
import { SessionTokenError } from './session-credentials';
import { resolveSession } from './session-store';

/**
 * GetCallerIdentity: who signed this call. SigV4 with service `sts`, from session or static
 * credentials; verified with the S3 verifier's canonical-request code, errors in STS's words.
 */
export async function getCallerIdentity(env: Env, request: Request, sts: StsRequest, now: Date, trace: StsTrace): Promise<Record<string, string>> {
  const principal = await authenticate(env, request, sts, now);
  const result = describe(principal);
  trace.accessKeyId = principal.accessKeyId;
  trace.arn = result.Arn;
  if (principal.kind === 'session') {
    Object.assign(trace, { role: principal.session.roleName, issuer: principal.session.issuer, subject: principal.session.subject, jti: principal.session.jti });
  }
  return result;
}

/** Arn, UserId and Account as STS reports them for an assumed role or an IAM user. */
export function describe(principal: Exclude<Principal, { kind: 'anonymous' }>): Record<string, string> {
  if (principal.kind === 'session') {
    const s = principal.session;
    return { Arn: `arn:aws:sts::${s.account}:assumed-role/${s.roleName}/${s.sessionName}`, UserId: `${s.roleId}:${s.sessionName}`, Account: s.account };
  }
  const userName = principal.displayName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64) || principal.accessKeyId;
  return { Arn: `arn:aws:iam::${DEFAULT_ACCOUNT}:user/${userName}`, UserId: principal.accessKeyId, Account: DEFAULT_ACCOUNT };
}

async function authenticate(env: Env, request: Request, sts: StsRequest, now: Date): Promise<Exclude<Principal, { kind: 'anonymous' }>> {
  const url = new URL(request.url);
  const signed: SignedRequest = { method: request.method, rawPath: url.pathname, rawQuery: url.search.slice(1), headers: request.headers, host: url.host };
  const claim = await withStsErrors(async () => parseClaim(signed, url.searchParams, request.headers.get('authorization'), now, env.REGION ?? 'auto'));
  // STS signs the payload itself (an empty one for presigned URLs), never UNSIGNED-PAYLOAD.
  claim.payloadHash = await sha256Hex(sts.body);

  let secretAccessKey: string;
  let principal: Exclude<Principal, { kind: 'anonymous' }>;
  if (claim.sessionToken) {
    try {
      ({ secretAccessKey, principal } = await resolveSession(env, claim.accessKeyId, claim.sessionToken, now));
    } catch (error) {
      if (!(error instanceof SessionTokenError)) throw error;
      if (error.reason === 'expired') throw new StsError('ExpiredToken', 'The security token included in the request is expired');
      throw new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    }
  } else {
    const found = await accessKeyCredentialStore(env).lookup(claim.accessKeyId);
    if (!found || found.principal.kind === 'anonymous') throw new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    ({ secretAccessKey, principal } = { secretAccessKey: found.secretAccessKey, principal: found.principal });
  }
  await withStsErrors(() => verifySigV4(signed, claim, secretAccessKey));
  return principal;
}

/** The claim of a SigV4 header or presigned query scoped to the `sts` service. */
function parseClaim(signed: SignedRequest, query: URLSearchParams, authorization: string | null, now: Date, region: string): SigV4Claim {
  const options = { now, region, service: 'sts' };
  if (authorization !== null) {
    if (!authorization.startsWith(SIGV4_ALGORITHM + ' ')) throw new StsError('IncompleteSignature', 'Authorization header requires the AWS4-HMAC-SHA256 algorithm.');
    return parseAuthorizationHeader(signed, authorization, options);
  }
  if (query.has('X-Amz-Credential')) return parsePresignedQuery(signed, query, options);
  throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
}

/** The S3 verifier speaks S3 error codes; STS answers the same failures with its own. */
async function withStsErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isS3Error(error)) throw error;
    if (/incorrect service/.test(error.message)) throw new StsError('SignatureDoesNotMatch', "Credential should be scoped to correct service: 'sts'.");
    if (error.code === 'SignatureDoesNotMatch') throw new StsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
    if (error.code === 'RequestTimeTooSkewed' || (error.code === 'AccessDenied' && /expired/i.test(error.message))) {
      throw new StsError('SignatureDoesNotMatch', 'Signature expired: the request time is too far from the current time.');
    }
    throw new StsError('IncompleteSignature', error.message);
  }
}
