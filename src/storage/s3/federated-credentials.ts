import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readBoundedBytes } from '../../core/bounded-body';
import { type AllowList, checkEndpoint } from '../endpoint-guard';

/**
 * The upstream half of keyless federation (adrs/0020): AssumeRoleWithWebIdentity against the
 * upstream's STS endpoint with a token the gateway minted, and an isolate-memory cache of the
 * credentials it answers with. Knows nothing of how the token is made (the caller passes a
 * function that mints one only when an exchange is really needed).
 */

/** Credentials an upstream STS issued; `expiresAt` is its `Expiration`. */
export interface FederatedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: Date;
}

/**
 * Why an exchange failed, in storage-error kinds (the S3 layer maps them): `auth-failed` the
 * upstream refused the token or role, `throttled`, `unavailable` (5xx, unreachable, an answer that
 * is not an STS response), `timeout`, `misconfigured` (endpoint refused by the SSRF guard, a
 * redirect, no issuer URL). `message` is safe for anyone; `detail` is for the operator (admin
 * validation, logs): the upstream's own words, never containing the token.
 */
export type FederationFailure = 'auth-failed' | 'throttled' | 'unavailable' | 'timeout' | 'misconfigured';

export class FederationError extends Error {
  override readonly name = 'FederationError';
  constructor(
    readonly kind: FederationFailure,
    message: string,
    readonly detail?: string,
    /** The upstream STS's error code, when it answered with one. */
    readonly stsCode?: string,
  ) {
    super(message);
  }
}

export interface ExchangeRequest {
  /** The upstream STS endpoint, e.g. `https://sts.eu-west-1.amazonaws.com` (checked by the SSRF guard). */
  stsEndpoint: string;
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  webIdentityToken: string;
}

export interface ExchangeOptions {
  allowList: AllowList;
  timeoutMs?: number;
  /** For tests: the fetch to use (default: the global one). */
  fetcher?: typeof fetch;
}

export const STS_TIMEOUT_MS = 10_000;
const MAX_STS_RESPONSE_BYTES = 64 * 1024;

/** One AssumeRoleWithWebIdentity call: SSRF-checked, no redirects, bounded in time and size. */
export async function assumeRoleWithWebIdentity(request: ExchangeRequest, options: ExchangeOptions): Promise<FederatedCredentials> {
  const checked = checkEndpoint(request.stsEndpoint, options.allowList);
  if (!checked.ok) throw new FederationError('misconfigured', 'The upstream STS endpoint is not allowed.', `${checked.reason}: ${checked.detail}`);
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: request.roleArn,
    RoleSessionName: request.roleSessionName,
    WebIdentityToken: request.webIdentityToken,
    DurationSeconds: String(request.durationSeconds),
  });
  const fetcher = options.fetcher ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs ?? STS_TIMEOUT_MS);
  let response: Response;
  let text: string | null;
  try {
    response = await fetcher(checked.url.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/xml' },
      body: body.toString(),
      redirect: 'manual',
      signal,
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new FederationError('misconfigured', 'The upstream STS endpoint answered with a redirect; redirects are not followed.', `HTTP ${response.status}`);
    }
    const bytes = await readBoundedBytes(response.body, MAX_STS_RESPONSE_BYTES);
    text = bytes ? new TextDecoder().decode(bytes) : null;
  } catch (error) {
    if (error instanceof FederationError) throw error;
    if (signal.aborted) throw new FederationError('timeout', 'The upstream STS did not answer in time.', `no answer within ${options.timeoutMs ?? STS_TIMEOUT_MS} ms`);
    throw new FederationError('unavailable', 'The upstream STS could not be reached.', error instanceof Error ? error.name : undefined);
  }
  const redact = (value: string) => value.split(request.webIdentityToken).join('[token]').slice(0, 512);
  if (text === null) throw new FederationError('unavailable', 'The upstream STS answered with an oversized document.', `more than ${MAX_STS_RESPONSE_BYTES} bytes`);
  if (response.status !== 200) throw stsFailure(response.status, text, redact);
  return parseCredentials(text);
}

/** `<ErrorResponse><Error><Code/><Message/></Error></ErrorResponse>` (or a status with no such body). */
function stsFailure(status: number, text: string, redact: (value: string) => string): FederationError {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const error = (parseStsXml(text).ErrorResponse as { Error?: { Code?: unknown; Message?: unknown } } | undefined)?.Error;
    if (typeof error?.Code === 'string') code = error.Code;
    if (typeof error?.Message === 'string') message = error.Message;
  } catch {
    // Not STS XML (a proxy's page): the status decides.
  }
  const detail = `HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${redact(message)}` : ''}`;
  const kind = failureKind(status, code);
  const said = code ? ` (${code})` : ` (HTTP ${status})`;
  const messages: Record<FederationFailure, string> = {
    'auth-failed': `The upstream STS refused the gateway's federation token or role${said}.`,
    throttled: `The upstream STS is throttling requests${said}.`,
    unavailable: `The upstream STS failed${said}.`,
    timeout: `The upstream STS timed out${said}.`,
    misconfigured: `The upstream STS refused the request as misconfigured${said}.`,
  };
  return new FederationError(kind, messages[kind], detail, code);
}

const AUTH_CODES = new Set(['AccessDenied', 'InvalidIdentityToken', 'ExpiredTokenException', 'IDPRejectedClaim', 'InvalidParameterValue', 'ValidationError', 'MalformedPolicyDocument', 'PackedPolicyTooLarge', 'InvalidClientTokenId']);
const THROTTLE_CODES = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'SlowDown']);

function failureKind(status: number, code: string | undefined): FederationFailure {
  if (code && THROTTLE_CODES.has(code)) return 'throttled';
  if (code === 'RegionDisabledException') return 'misconfigured';
  if (code && AUTH_CODES.has(code)) return 'auth-failed';
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'auth-failed';
  if (status >= 400 && status < 500 && code) return 'auth-failed';
  return 'unavailable';
}

/**
 * An STS answer is a small flat document: parsed with entities and attributes off and DTDs refused,
 * so nothing in it can expand or point elsewhere. Throws on anything that is not well-formed XML.
 */
function parseStsXml(text: string): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text) || XMLValidator.validate(text) !== true) throw new Error('not XML');
  const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, processEntities: false, parseTagValue: false, maxNestedTags: 16 });
  return parser.parse(text) as Record<string, unknown>;
}

function parseCredentials(text: string): FederatedCredentials {
  const malformed = () => new FederationError('unavailable', 'The upstream STS answered with something that is not an AssumeRoleWithWebIdentity response.');
  let document: Record<string, unknown>;
  try {
    document = parseStsXml(text);
  } catch {
    throw malformed();
  }
  const result = (document.AssumeRoleWithWebIdentityResponse as { AssumeRoleWithWebIdentityResult?: { Credentials?: Record<string, unknown> } } | undefined)
    ?.AssumeRoleWithWebIdentityResult?.Credentials;
  const { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, SessionToken: sessionToken, Expiration: expiration } = result ?? {};
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || typeof sessionToken !== 'string' || typeof expiration !== 'string') throw malformed();
  if (!accessKeyId || !secretAccessKey || !sessionToken) throw malformed();
  const expiresAt = new Date(expiration);
  if (Number.isNaN(expiresAt.getTime())) throw malformed();
  return { accessKeyId, secretAccessKey, sessionToken, expiresAt };
}
