import { z } from 'zod';
import type { Env } from '../../env';
import { AnonymousAuth, CommonCreateFields, ConnectionBase, fingerprinted, LocationBase, SecretRefAuth, UrlSetting } from '../../registry/connection-schemas';
import { parseInput } from '../../registry/errors';
import type { AzureAuth, AzureDriverConfig } from '../../storage/azure/config';
import { probeAzureUpstream } from '../../storage/azure/probe';
import { openAzureBackend } from '../../storage/drivers';
import { parseAllowList } from '../../storage/endpoint-guard';
import { FederationError } from '../../storage/s3/federated-credentials';
import { azureAccessToken, DEFAULT_AZURE_AUDIENCE } from '../azure-federation';
import type { ConnectionKind, LiveConnectionOf } from '../kind-types';
import { CredentialUnavailableError, fingerprint, mergeSettings, settingsError, withCredentials, workerSecretJson } from '../kind-support';

/**
 * Kind `azure`: an Azure Blob Storage account (adrs/0021, adrs/0023) — Azure, Azurite, sovereign
 * clouds. The driver-dependent calls (config, probe, open) are in this file only.
 */

/** Account names: 3–24 lowercase letters and digits (Azure's rule). */
const AccountName = z.string().regex(/^[a-z0-9]{3,24}$/, '3–24 lowercase letters and digits');

const SharedKeyAuthInput = z.strictObject({
  mode: z.literal('shared_key'),
  accountName: AccountName.or(z.literal('devstoreaccount1')),
  /** The account key as the portal shows it (base64). */
  accountKey: z.string().min(1).max(1024).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'the account key in base64, as the portal shows it'),
});
const SasAuthInput = z.strictObject({
  mode: z.literal('sas'),
  /** The SAS query string (with or without the leading `?`); it must carry its signature. */
  token: z.string().min(1).max(4096).regex(/(^|[?&])sig=/, 'a SAS token: the query string with sv=…&sig=…'),
});
/** Azure AD workload identity federation: the gateway's own token as client_assertion (adrs/0023). */
const FederationAuth = z.strictObject({
  mode: z.literal('federation'),
  /** `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`, or a sovereign cloud's. */
  tokenEndpoint: UrlSetting,
  /** The app registration's application (client) id. */
  clientId: z.string().min(1).max(256),
  /** The token's `aud` the federated credential expects (default api://AzureADTokenExchange). */
  audience: z.string().min(1).max(256).optional(),
});
/** secret_ref: the Worker secret holds JSON `{"accountName","accountKey"}` or `{"sasToken"}`. */
export const AzureAuthInput = z.discriminatedUnion('mode', [SharedKeyAuthInput, SasAuthInput, FederationAuth, SecretRefAuth, AnonymousAuth]);
export type AzureAuthInput = z.infer<typeof AzureAuthInput>;
const AzurePublicAuth = z.discriminatedUnion('mode', [fingerprinted('shared_key'), fingerprinted('sas'), FederationAuth, SecretRefAuth, AnonymousAuth]);

const AzureConnectionSettings = z.strictObject({
  /** `https://<account>.blob.core.windows.net`, or Azurite's `http://127.0.0.1:10000/devstoreaccount1`. */
  accountUrl: UrlSetting,
  /**
   * The container validating the connection probes (List Blobs + Get Container Properties).
   * Required: an account-level probe (List Containers) fails for container-scoped SAS tokens and
   * role assignments, which are the recommended ones.
   */
  probeContainer: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'an existing container: 3–63 lowercase letters, digits and single hyphens'),
});
type AzureConnectionSettings = z.infer<typeof AzureConnectionSettings>;

export const AzureConnection = ConnectionBase.extend({ kind: z.literal('azure'), settings: AzureConnectionSettings, auth: AzurePublicAuth });
export type AzureConnection = z.infer<typeof AzureConnection>;

/** A bucket on an azure connection: a container there, under a key prefix. */
export const AzureLocation = z.object({
  type: z.literal('azure'),
  connection: LocationBase.connection,
  container: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, '3–63 lowercase letters, digits and single hyphens'),
  prefix: LocationBase.collectionPrefix,
});
export type AzureLocation = z.output<typeof AzureLocation>;

/** What the envelope holds: the account key pair, or the SAS token. */
const AzureSecret = z.union([z.object({ accountName: z.string(), accountKey: z.string() }), z.object({ sasToken: z.string() })]);
type AzureSecret = z.infer<typeof AzureSecret>;
type AzureLive = LiveConnectionOf<AzureConnection, AzureSecret>;

/** The endpoint suffix when only an account name is given: Azure's public cloud. */
export const DEFAULT_ENDPOINT_SUFFIX = 'core.windows.net';
const AccountSettingsInput = {
  accountUrl: AzureConnectionSettings.shape.accountUrl.optional(),
  /** Instead of accountUrl: the account name, with `endpointSuffix` (sovereign clouds: core.chinacloudapi.cn, core.usgovcloudapi.net). */
  account: AccountName.optional(),
  endpointSuffix: z.string().regex(/^[a-z0-9.-]{3,128}$/, 'a DNS suffix like core.windows.net').optional(),
};

function secretSas(secret: AzureSecret | null): string | null {
  return secret && 'sasToken' in secret ? secret.sasToken : null;
}

const CREDENTIAL_PROVIDERS: { [M in AzureConnection['auth']['mode']]: (live: AzureLive, env: Env, subject: string) => Promise<AzureAuth> } = {
  async shared_key({ secret }) {
    if (!secret || !('accountKey' in secret)) throw new CredentialUnavailableError('the account key is missing', true);
    return { kind: 'shared-key', accountName: secret.accountName, accountKey: secret.accountKey };
  },
  async sas({ secret }) {
    const token = secretSas(secret);
    if (!token) throw new CredentialUnavailableError('the SAS token is missing', true);
    return { kind: 'sas', token };
  },
  async federation({ connection }, env, subject) {
    const auth = connection.auth;
    if (auth.mode !== 'federation') throw new CredentialUnavailableError('not a federation connection', true);
    try {
      const { token } = await azureAccessToken(env, {
        connectionId: `${connection.id}/${subject}`,
        tokenEndpoint: auth.tokenEndpoint,
        clientId: auth.clientId,
        audience: auth.audience ?? DEFAULT_AZURE_AUDIENCE,
        subject,
      });
      return { kind: 'bearer', token };
    } catch (error) {
      if (error instanceof FederationError) throw new CredentialUnavailableError(error.message, error.kind === 'auth-failed');
      throw error;
    }
  },
  async secret_ref({ connection }, env) {
    if (connection.auth.mode !== 'secret_ref') throw new CredentialUnavailableError('not a secret_ref connection', true);
    const shape = '{"accountName","accountKey"} or {"sasToken"}';
    const { accountName, accountKey, sasToken } = workerSecretJson(env, connection.auth.secretName, shape);
    if (accountName && accountKey) return { kind: 'shared-key', accountName, accountKey };
    if (sasToken) return { kind: 'sas', token: sasToken.replace(/^\?/, '') };
    throw new CredentialUnavailableError(`the Worker secret ${connection.auth.secretName} is not JSON ${shape}`, true);
  },
  async anonymous() {
    return { kind: 'anonymous' };
  },
};

function resolveAuth(live: AzureLive, env: Env, bucket: string | undefined): Promise<AzureAuth> {
  return CREDENTIAL_PROVIDERS[live.connection.auth.mode](live, env, bucket ?? `connection/${live.connection.name}`);
}

function driverConfig(connection: AzureConnection, auth: AzureAuth, location: { container: string; prefix: string }): AzureDriverConfig {
  return { accountUrl: connection.settings.accountUrl, container: location.container, prefix: location.prefix, auth };
}

export const azureKind: ConnectionKind<AzureConnection, AzureSecret, AzureLocation, AzureAuthInput> = {
  kind: 'azure',
  createInput: z.strictObject({
    kind: z.literal('azure'),
    ...CommonCreateFields,
    ...AccountSettingsInput,
    probeContainer: AzureConnectionSettings.shape.probeContainer,
    auth: AzureAuthInput,
  }),
  patchFields: { ...AccountSettingsInput, probeContainer: AzureConnectionSettings.shape.probeContainer.optional() },
  authInput: AzureAuthInput,
  record: AzureConnection,
  secret: AzureSecret,
  location: AzureLocation,
  containerField: 'container',
  outcomeFields: { endpoint: 'accountUrl', auth: 'auth', bucket: 'probeContainer' },
  settingsFrom(fields, current) {
    const { accountUrl, account, endpointSuffix } = fields as { accountUrl?: string; account?: string; endpointSuffix?: string };
    if (accountUrl !== undefined && account !== undefined) throw settingsError('account', 'give accountUrl or account (with endpointSuffix), not both');
    if (endpointSuffix !== undefined && account === undefined) throw settingsError('endpointSuffix', 'only with account');
    const url = account !== undefined ? `https://${account}.blob.${endpointSuffix ?? DEFAULT_ENDPOINT_SUFFIX}` : accountUrl;
    if (url === undefined && current === null) throw settingsError('accountUrl', 'required: the account URL, or account (with endpointSuffix)');
    return parseInput(AzureConnectionSettings, mergeSettings(current, { ...fields, accountUrl: url }, ['accountUrl', 'probeContainer'])) as AzureConnectionSettings;
  },
  async seal(auth) {
    switch (auth.mode) {
      case 'shared_key':
        return {
          auth: { mode: 'shared_key', fingerprint: await fingerprint(auth.accountName, auth.accountName, auth.accountKey) },
          secret: { accountName: auth.accountName, accountKey: auth.accountKey },
        };
      case 'sas': {
        const sasToken = auth.token.replace(/^\?/, '');
        return { auth: { mode: 'sas', fingerprint: await fingerprint(null, sasToken) }, secret: { sasToken } };
      }
      default:
        return { auth, secret: null };
    }
  },
  endpoints({ settings, auth }) {
    return { accountUrl: settings.accountUrl, ...(auth.mode === 'federation' ? { 'auth.tokenEndpoint': auth.tokenEndpoint } : {}) };
  },
  async probe(env, live, location) {
    const target = location ?? { container: live.connection.settings.probeContainer, prefix: '' };
    const outcome = await withCredentials(
      () => resolveAuth(live, env, undefined),
      (auth) => probeAzureUpstream(driverConfig(live.connection, auth, target), parseAllowList(env.ALLOWED_UPSTREAM_HOSTS)),
    );
    return { outcome };
  },
  async open(env, live, location, { bucket }) {
    return openAzureBackend(env, driverConfig(live.connection, await resolveAuth(live, env, bucket), location));
  },
};
