import { z } from 'zod';
import type { Env } from '../../env';
import {
  AnonymousAuth,
  CommonCreateFields,
  ConnectionBase,
  fingerprinted,
  LocationBase,
  SecretRefAuth,
  UrlSetting,
} from '../../registry/connection-schemas';
import { parseInput } from '../../registry/errors';
import { openS3Backend } from '../../storage/drivers';
import { parseAllowList } from '../../storage/endpoint-guard';
import type { S3DriverConfig, UpstreamCredentials } from '../../storage/s3/config';
import { FederationError } from '../../storage/s3/federated-credentials';
import { probeS3Upstream } from '../../storage/s3/probe';
import { federatedCredentials } from '../../sts/federation';
import type { ConnectionKind, LiveConnectionOf } from '../kind-types';
import { CredentialUnavailableError, fingerprint, mergeSettings, withCredentials, workerSecretJson } from '../kind-support';

/** Kind `s3`: any S3-compatible endpoint (adrs/0017, 0019, 0020). */

/** The token audience when a federation connection names none: what AWS STS expects. */
export const DEFAULT_FEDERATION_AUDIENCE = 'sts.amazonaws.com';

const StaticAuthInput = z.strictObject({
  mode: z.literal('static'),
  accessKeyId: z.string().min(1).max(256),
  secretAccessKey: z.string().min(1).max(1024),
});
/** Keyless federation: AssumeRoleWithWebIdentity at the upstream's STS with a token the gateway mints. */
const FederationAuth = z.strictObject({
  mode: z.literal('federation'),
  roleArn: z.string().min(1).max(2048),
  stsEndpoint: UrlSetting,
  audience: z.string().min(1).max(256).optional(),
  sessionDuration: z.number().int().min(900).max(43_200).optional(),
});
/** secret_ref: the Worker secret holds JSON `{"accessKeyId":"…","secretAccessKey":"…","sessionToken"?:"…"}`. */
export const S3AuthInput = z.discriminatedUnion('mode', [StaticAuthInput, SecretRefAuth, FederationAuth, AnonymousAuth]);
export type S3AuthInput = z.infer<typeof S3AuthInput>;
const S3PublicAuth = z.discriminatedUnion('mode', [fingerprinted('static'), SecretRefAuth, FederationAuth, AnonymousAuth]);

export const S3ConnectionSettings = z.strictObject({
  endpoint: UrlSetting,
  /** Signing region (`us-east-1`, `auto` for R2, …). */
  region: z.string().regex(/^[a-z0-9-]{1,64}$/, 'a region like us-east-1 or auto'),
  /** `path`: https://endpoint/bucket/key; `virtual`: https://bucket.endpoint/key. */
  addressing: z.enum(['path', 'virtual']),
  /** An upstream bucket that validating the connection probes; without one, ListBuckets is probed. */
  probeBucket: z.string().min(1).max(255).optional(),
  /**
   * The upstream applies If-Match / If-None-Match on PutObject atomically (AWS S3, R2, MinIO,
   * bucketgate do). Off by default: conditional PUTs are then refused with 501 rather than
   * passed to a store that might ignore them (adrs/0017).
   */
  conditionalWrites: z.boolean().optional(),
  /**
   * The upstream takes aws-chunked uploads with a trailing checksum (AWS S3, R2, MinIO, bucketgate
   * do). On unless set false: a client's trailing checksum is then stored upstream too (adrs/0017).
   */
  trailingChecksums: z.boolean().optional(),
});
type S3ConnectionSettings = z.infer<typeof S3ConnectionSettings>;

export const S3Connection = ConnectionBase.extend({ kind: z.literal('s3'), settings: S3ConnectionSettings, auth: S3PublicAuth });
export type S3Connection = z.infer<typeof S3Connection>;

/** A bucket on an s3 connection: an upstream bucket there, under a key prefix. */
export const S3Location = z.object({
  type: z.literal('s3'),
  connection: LocationBase.connection,
  /** The bucket upstream. */
  bucket: z.string().min(1).max(255),
  prefix: LocationBase.prefix,
});
export type S3Location = z.output<typeof S3Location>;

/** What a `static` connection seals (JSON inside the envelope). */
const StaticKeyPair = z.object({ accessKeyId: z.string(), secretAccessKey: z.string() });
type StaticKeyPair = z.infer<typeof StaticKeyPair>;
type S3Live = LiveConnectionOf<S3Connection, StaticKeyPair>;

const SETTING_KEYS = ['endpoint', 'region', 'addressing', 'probeBucket', 'conditionalWrites', 'trailingChecksums'] as const;

/** Resolved upstream credentials; `null`: send requests unsigned. */
type Credentials = (UpstreamCredentials & { expiresAt?: Date }) | null;

/**
 * One provider per auth mode (adrs/0019): opening a bucket and probing both ask; the driver only
 * ever sees the resolved pair. Providers never log or return anything but the pair.
 */
const CREDENTIAL_PROVIDERS: { [M in S3Connection['auth']['mode']]: (live: S3Live, env: Env, subject: string) => Promise<Credentials> } = {
  async static({ secret }) {
    if (!secret) throw new CredentialUnavailableError('the static credentials are missing', true);
    return { accessKeyId: secret.accessKeyId, secretAccessKey: secret.secretAccessKey };
  },
  async secret_ref({ connection }, env) {
    if (connection.auth.mode !== 'secret_ref') throw new CredentialUnavailableError('not a secret_ref connection', true);
    const shape = '{"accessKeyId","secretAccessKey"}';
    const { accessKeyId, secretAccessKey, sessionToken } = workerSecretJson(env, connection.auth.secretName, shape);
    if (!accessKeyId || !secretAccessKey) throw new CredentialUnavailableError(`the Worker secret ${connection.auth.secretName} is not JSON ${shape}`, true);
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  },
  /**
   * Keyless federation (adrs/0020): cached per connection and subject. A refused exchange
   * (`auth-failed`) needs an operator; anything else is worth retrying.
   */
  async federation({ connection }, env, subject) {
    const auth = connection.auth;
    if (auth.mode !== 'federation') throw new CredentialUnavailableError('not a federation connection', true);
    try {
      return await federatedCredentials(env, {
        connectionId: `${connection.id}/${subject}`,
        roleArn: auth.roleArn,
        stsEndpoint: auth.stsEndpoint,
        audience: auth.audience ?? DEFAULT_FEDERATION_AUDIENCE,
        sessionDuration: auth.sessionDuration,
        subject,
      });
    } catch (error) {
      if (error instanceof FederationError) throw new CredentialUnavailableError(error.message, error.kind === 'auth-failed');
      throw error;
    }
  },
  async anonymous() {
    return null;
  },
};

function resolveCredentials(live: S3Live, env: Env, bucket: string | undefined): Promise<Credentials> {
  // Probes serve no bucket: the token then names the connection.
  return CREDENTIAL_PROVIDERS[live.connection.auth.mode](live, env, bucket ?? `connection/${live.connection.name}`);
}

/** The s3 driver's config for a location on a connection, credentials already resolved. */
function driverConfig(connection: S3Connection, credentials: Credentials, location: { bucket: string; prefix: string }): S3DriverConfig {
  return {
    endpoint: connection.settings.endpoint,
    region: connection.settings.region,
    bucket: location.bucket,
    prefix: location.prefix,
    pathStyle: connection.settings.addressing === 'path',
    conditionalWrites: connection.settings.conditionalWrites ?? false,
    trailingChecksums: connection.settings.trailingChecksums ?? true,
    credentials: credentials && {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
  };
}

export const s3Kind: ConnectionKind<S3Connection, StaticKeyPair, S3Location, S3AuthInput> = {
  kind: 's3',
  createInput: z.strictObject({
    kind: z.literal('s3'),
    ...CommonCreateFields,
    endpoint: S3ConnectionSettings.shape.endpoint,
    region: S3ConnectionSettings.shape.region.default('us-east-1'),
    addressing: S3ConnectionSettings.shape.addressing.default('path'),
    probeBucket: S3ConnectionSettings.shape.probeBucket,
    conditionalWrites: S3ConnectionSettings.shape.conditionalWrites,
    trailingChecksums: S3ConnectionSettings.shape.trailingChecksums,
    auth: S3AuthInput,
  }),
  patchFields: {
    endpoint: S3ConnectionSettings.shape.endpoint.optional(),
    region: S3ConnectionSettings.shape.region.optional(),
    addressing: S3ConnectionSettings.shape.addressing.optional(),
    probeBucket: S3ConnectionSettings.shape.probeBucket.nullable(),
    conditionalWrites: S3ConnectionSettings.shape.conditionalWrites,
    trailingChecksums: S3ConnectionSettings.shape.trailingChecksums,
  },
  authInput: S3AuthInput,
  record: S3Connection,
  secret: StaticKeyPair,
  location: S3Location,
  containerField: 'bucket',
  outcomeFields: { endpoint: 'endpoint', auth: 'auth', bucket: 'probeBucket' },
  settingsFrom(fields, current) {
    return parseInput(S3ConnectionSettings, mergeSettings(current, fields, SETTING_KEYS)) as S3ConnectionSettings;
  },
  async seal(auth) {
    if (auth.mode !== 'static') return { auth, secret: null };
    const pair = { accessKeyId: auth.accessKeyId, secretAccessKey: auth.secretAccessKey };
    return { auth: { mode: 'static', fingerprint: await fingerprint(pair.accessKeyId, pair.accessKeyId, pair.secretAccessKey) }, secret: pair };
  },
  endpoints({ settings, auth }) {
    return { endpoint: settings.endpoint, ...(auth.mode === 'federation' ? { 'auth.stsEndpoint': auth.stsEndpoint } : {}) };
  },
  async probe(env, live, location) {
    // Without a location: the connection's probe bucket, or the service (ListBuckets) when it has none.
    const target = location ?? { bucket: live.connection.settings.probeBucket ?? '', prefix: '' };
    const outcome = await withCredentials(
      () => resolveCredentials(live, env, undefined),
      (credentials) => probeS3Upstream(driverConfig(live.connection, credentials, target), parseAllowList(env.ALLOWED_UPSTREAM_HOSTS)),
    );
    return { outcome };
  },
  async open(env, live, location, { bucket }) {
    return openS3Backend(env, driverConfig(live.connection, await resolveCredentials(live, env, bucket), location));
  },
};
