import { errorText, log } from '../core/log';
import type { Env } from '../env';
import { readBoundedBytes } from '../core/bounded-body';
import { type AllowList, checkEndpoint, parseAllowList } from '../storage/endpoint-guard';
import { cachedFederatedCredentials } from '../storage/s3/federated-credentials-cache';
import { FederationError, type FederationFailure } from '../storage/s3/federated-credentials';
import { mintGatewayAssertion } from '../sts/federation';

/**
 * Keyless federation to Azure Storage (adrs/0023): Azure AD (Microsoft Entra) workload identity
 * federation. The gateway mints its own OIDC token (the same issuer and signing key as the s3
 * kind's federation, adrs/0020) and presents it as `client_assertion` in an OAuth 2.0
 * client-credentials grant at the tenant's token endpoint; the app registration's federated
 * credential trusts the gateway's issuer and the token's `sub`. The access token it answers with
 * is a bearer token for `https://storage.azure.com/`. Tokens are cached in isolate memory until
 * shortly before expiry, single-flight by lease — the very cache the s3 kind's credentials use.
 */

/** The scope Azure Storage's data plane accepts (resource `https://storage.azure.com/` + `.default`). */
export const AZURE_STORAGE_SCOPE = 'https://storage.azure.com/.default';
/** What a federated identity credential on an app registration expects as `aud` unless told otherwise. */
export const DEFAULT_AZURE_AUDIENCE = 'api://AzureADTokenExchange';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_TIMEOUT_MS = 10_000;
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

export interface AzureAccessToken {
  token: string;
  expiresAt: Date;
}

export interface AzureFederationOptions {
  /** Cache key part: the connection and the subject served. */
  connectionId: string;
  /** `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token` (or a sovereign cloud's). */
  tokenEndpoint: string;
  /** The app registration's application (client) id. */
  clientId: string;
  /** The token's `aud`: what the federated credential lists. */
  audience: string;
  /** The token's `sub`: the virtual bucket served. */
  subject: string;
}

type FederationEnv = Pick<Env, 'MASTER_KEY' | 'FEDERATION_KEY_VERSIONS' | 'ISSUER_URL' | 'ALLOW_INSECURE_ISSUERS' | 'ALLOWED_UPSTREAM_HOSTS'>;

/** A cached bearer token for Azure Storage, exchanging when none is cached or it is due for refresh. */
export async function azureAccessToken(
  env: FederationEnv,
  options: AzureFederationOptions,
  internals: { fetcher?: typeof fetch; now?: () => number; timeoutMs?: number } = {},
): Promise<AzureAccessToken> {
  const now = internals.now ?? Date.now;
  const exchange = async () => {
    const assertion = await mintGatewayAssertion(env, { subject: options.subject, audience: options.audience, now: new Date(now()) });
    return exchangeClientAssertion(options, assertion, { allowList: parseAllowList(env.ALLOWED_UPSTREAM_HOSTS), fetcher: internals.fetcher, timeoutMs: internals.timeoutMs, now });
  };
  return cachedFederatedCredentials<AzureAccessToken>({ connectionId: options.connectionId, roleArn: `azure:${options.clientId}@${options.tokenEndpoint}` }, exchange, {
    now,
    onRefreshFailure: (error) =>
      log.warn('azure federation refresh failed; using the cached token', {
        connectionId: options.connectionId,
        kind: error instanceof FederationError ? error.kind : 'error',
        detail: error instanceof FederationError ? error.detail : errorText(error),
      }),
  });
}

/** One client-credentials grant with a client assertion: SSRF-checked, no redirects, bounded in time and size. */
async function exchangeClientAssertion(
  options: AzureFederationOptions,
  assertion: string,
  { allowList, fetcher = fetch, timeoutMs = TOKEN_TIMEOUT_MS, now }: { allowList: AllowList; fetcher?: typeof fetch; timeoutMs?: number; now: () => number },
): Promise<AzureAccessToken> {
  const checked = checkEndpoint(options.tokenEndpoint, allowList);
  if (!checked.ok) throw new FederationError('misconfigured', 'The Azure AD token endpoint is not allowed.', `${checked.reason}: ${checked.detail}`);
  const body = new URLSearchParams({
    client_id: options.clientId,
    scope: AZURE_STORAGE_SCOPE,
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: assertion,
    grant_type: 'client_credentials',
  });
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string | null;
  try {
    response = await fetcher(checked.url.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
      redirect: 'manual',
      signal,
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new FederationError('misconfigured', 'The Azure AD token endpoint answered with a redirect; redirects are not followed.', `HTTP ${response.status}`);
    }
    const bytes = await readBoundedBytes(response.body, MAX_TOKEN_RESPONSE_BYTES);
    text = bytes ? new TextDecoder().decode(bytes) : null;
  } catch (error) {
    if (error instanceof FederationError) throw error;
    if (signal.aborted) throw new FederationError('timeout', 'The Azure AD token endpoint did not answer in time.', `no answer within ${timeoutMs} ms`);
    throw new FederationError('unavailable', 'The Azure AD token endpoint could not be reached.', error instanceof Error ? error.name : undefined);
  }
  if (text === null) throw new FederationError('unavailable', 'The Azure AD token endpoint answered with an oversized document.', `more than ${MAX_TOKEN_RESPONSE_BYTES} bytes`);
  const document = parseJson(text);
  if (response.status !== 200) throw tokenFailure(response.status, document, (value) => value.split(assertion).join('[assertion]').slice(0, 512));
  const token = document?.access_token;
  const expiresIn = Number(document?.expires_in);
  if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresIn) || expiresIn <= 0 || String(document?.token_type).toLowerCase() !== 'bearer') {
    throw new FederationError('unavailable', 'The Azure AD token endpoint answered with something that is not a bearer access token.');
  }
  return { token, expiresAt: new Date(now() + expiresIn * 1000) };
}

/**
 * The documented error shape: `{ error, error_description: "AADSTS<code>: …", error_codes: [<code>], trace_id, correlation_id, … }`.
 * `error` decides: `temporarily_unavailable`/`server_error` are worth retrying; the others
 * (invalid_client — e.g. AADSTS70021 no matching federated identity record —, invalid_request,
 * unauthorized_client, invalid_grant, invalid_scope, …) need an operator.
 */
function tokenFailure(status: number, document: Record<string, unknown> | null, redact: (value: string) => string): FederationError {
  const error = typeof document?.error === 'string' ? document.error : undefined;
  const codes = Array.isArray(document?.error_codes) ? document.error_codes.filter((c): c is number => typeof c === 'number') : [];
  const aadsts = codes.length > 0 ? `AADSTS${codes[0]}` : undefined;
  const description = typeof document?.error_description === 'string' ? redact(document.error_description.split(/\r?\n/)[0]!) : undefined;
  const kind: FederationFailure =
    status === 429 ? 'throttled'
    : error === 'temporarily_unavailable' || error === 'server_error' || status >= 500 ? 'unavailable'
    : 'auth-failed';
  const said = [error, aadsts].filter(Boolean).join(' ') || `HTTP ${status}`;
  const messages: Record<FederationFailure, string> = {
    'auth-failed': `Azure AD refused the gateway's federation token or client (${said}).`,
    throttled: `Azure AD is throttling token requests (${said}).`,
    unavailable: `Azure AD failed to issue a token (${said}).`,
    timeout: `Azure AD timed out (${said}).`,
    misconfigured: `Azure AD refused the request as misconfigured (${said}).`,
  };
  return new FederationError(kind, messages[kind], `HTTP ${status}${description ? `: ${description}` : ''}`, aadsts ?? error);
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
