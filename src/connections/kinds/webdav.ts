import { z } from 'zod';
import type { Env } from '../../env';
import { AnonymousAuth, CommonCreateFields, ConnectionBase, fingerprinted, LocationBase, SecretRefAuth, UrlSetting } from '../../registry/connection-schemas';
import { parseInput } from '../../registry/errors';
import { openWebDavBackend } from '../../storage/drivers';
import { parseAllowList } from '../../storage/endpoint-guard';
import type { WebDavAuth, WebDavDriverConfig } from '../../storage/webdav/config';
import { probeWebDavUpstream } from '../../storage/webdav/probe';
import type { ConnectionKind, KindProbe, LiveConnectionOf } from '../kind-types';
import { CredentialUnavailableError, fingerprint, mergeSettings, settingsError, withCredentials, workerSecretJson } from '../kind-support';

/**
 * Kind `webdav`: a WebDAV server — generic (Apache mod_dav, rclone serve webdav, …) or Nextcloud /
 * ownCloud (adrs/0022, adrs/0023). The driver-dependent calls (config, probe, open) are in this
 * file only. What the probe finds the server can do (atomic conditional PUT, dead properties) is
 * stored with the connection's last validation and fed to the driver.
 */

const BasicAuthInput = z.strictObject({
  mode: z.literal('basic'),
  username: z.string().min(1).max(256).regex(/^[^:]*$/, 'a user name without ":"'),
  /** For Nextcloud, an app password (Settings → Security → Devices & sessions), never the login password. */
  password: z.string().min(1).max(1024),
});
/** secret_ref: the Worker secret holds JSON `{"username","password"}` or `{"token"}` (a bearer token). */
export const WebDavAuthInput = z.discriminatedUnion('mode', [BasicAuthInput, SecretRefAuth, AnonymousAuth]);
export type WebDavAuthInput = z.infer<typeof WebDavAuthInput>;
const WebDavPublicAuth = z.discriminatedUnion('mode', [fingerprinted('basic'), SecretRefAuth, AnonymousAuth]);

const WebDavConnectionSettings = z.strictObject({
  /** The collection buckets live under; Nextcloud: `https://host/remote.php/dav/files/<user>/<root>/`. */
  baseUrl: UrlSetting,
  flavor: z.enum(['generic', 'nextcloud']),
  /** Nextcloud's chunked-upload collection, `https://host/remote.php/dav/uploads/<user>/`. */
  uploadsUrl: UrlSetting.optional(),
});
type WebDavConnectionSettings = z.infer<typeof WebDavConnectionSettings>;

export const WebDavConnection = ConnectionBase.extend({ kind: z.literal('webdav'), settings: WebDavConnectionSettings, auth: WebDavPublicAuth });
export type WebDavConnection = z.infer<typeof WebDavConnection>;

/** A bucket on a webdav connection: a collection under the base URL, named by its prefix. */
export const WebDavLocation = z.object({
  type: z.literal('webdav'),
  connection: LocationBase.connection,
  prefix: LocationBase.collectionPrefix,
});
export type WebDavLocation = z.output<typeof WebDavLocation>;

const BasicSecret = z.object({ username: z.string(), password: z.string() });
type BasicSecret = z.infer<typeof BasicSecret>;
type WebDavLive = LiveConnectionOf<WebDavConnection, BasicSecret>;

const SETTING_KEYS = ['baseUrl', 'flavor', 'uploadsUrl'] as const;

const CREDENTIAL_PROVIDERS: { [M in WebDavConnection['auth']['mode']]: (live: WebDavLive, env: Env) => Promise<WebDavAuth> } = {
  async basic({ secret }) {
    if (!secret) throw new CredentialUnavailableError('the password is missing', true);
    return { kind: 'basic', username: secret.username, password: secret.password };
  },
  async secret_ref({ connection }, env) {
    if (connection.auth.mode !== 'secret_ref') throw new CredentialUnavailableError('not a secret_ref connection', true);
    const shape = '{"username","password"} or {"token"}';
    const { username, password, token } = workerSecretJson(env, connection.auth.secretName, shape);
    if (username && password) return { kind: 'basic', username, password };
    if (token) return { kind: 'bearer', token };
    throw new CredentialUnavailableError(`the Worker secret ${connection.auth.secretName} is not JSON ${shape}`, true);
  },
  async anonymous() {
    return { kind: 'anonymous' };
  },
};

function resolveAuth(live: WebDavLive, env: Env): Promise<WebDavAuth> {
  return CREDENTIAL_PROVIDERS[live.connection.auth.mode](live, env);
}

/** Until a probe has said otherwise, assume the least: no atomic conditional PUT, no dead properties. */
function driverConfig(connection: WebDavConnection, auth: WebDavAuth, location: { prefix: string }): WebDavDriverConfig {
  const detected = connection.lastValidation?.detected ?? {};
  return {
    baseUrl: connection.settings.baseUrl,
    prefix: location.prefix,
    flavor: connection.settings.flavor,
    ...(connection.settings.uploadsUrl ? { uploadsUrl: connection.settings.uploadsUrl } : {}),
    auth,
    conditionalWrites: detected.conditionalWrites === true,
    deadProperties: detected.deadProperties === true,
  };
}

export const webdavKind: ConnectionKind<WebDavConnection, BasicSecret, WebDavLocation, WebDavAuthInput> = {
  kind: 'webdav',
  createInput: z.strictObject({
    kind: z.literal('webdav'),
    ...CommonCreateFields,
    baseUrl: WebDavConnectionSettings.shape.baseUrl,
    flavor: WebDavConnectionSettings.shape.flavor.default('generic'),
    uploadsUrl: WebDavConnectionSettings.shape.uploadsUrl,
    auth: WebDavAuthInput,
  }),
  patchFields: {
    baseUrl: WebDavConnectionSettings.shape.baseUrl.optional(),
    flavor: WebDavConnectionSettings.shape.flavor.optional(),
    uploadsUrl: WebDavConnectionSettings.shape.uploadsUrl.nullable(),
  },
  authInput: WebDavAuthInput,
  record: WebDavConnection,
  secret: BasicSecret,
  location: WebDavLocation,
  outcomeFields: { endpoint: 'baseUrl', auth: 'auth', bucket: 'baseUrl' },
  settingsFrom(fields, current) {
    const settings = parseInput(WebDavConnectionSettings, mergeSettings(current, fields, SETTING_KEYS)) as WebDavConnectionSettings;
    // Collections are directories: a base URL without its trailing slash would make every key a sibling of it.
    const baseUrl = settings.baseUrl.endsWith('/') ? settings.baseUrl : `${settings.baseUrl}/`;
    if (settings.uploadsUrl !== undefined && settings.flavor !== 'nextcloud') throw settingsError('uploadsUrl', 'only with flavor "nextcloud"');
    return { ...settings, baseUrl };
  },
  async seal(auth) {
    if (auth.mode !== 'basic') return { auth, secret: null };
    return { auth: { mode: 'basic', fingerprint: await fingerprint(auth.username, auth.username, auth.password) }, secret: { username: auth.username, password: auth.password } };
  },
  endpoints({ settings }) {
    return { baseUrl: settings.baseUrl, ...(settings.uploadsUrl ? { uploadsUrl: settings.uploadsUrl } : {}) };
  },
  async probe(env, live): Promise<KindProbe> {
    let detected: KindProbe['detected'];
    const outcome = await withCredentials(
      () => resolveAuth(live, env),
      async (auth) => {
        // Always the base collection: a bucket's own collection need not exist yet (the driver makes collections on write).
        const probed = await probeWebDavUpstream(driverConfig(live.connection, auth, { prefix: '' }), parseAllowList(env.ALLOWED_UPSTREAM_HOSTS));
        detected = { conditionalWrites: probed.conditionalWrites, deadProperties: probed.deadProperties };
        return probed.outcome;
      },
    );
    return { outcome, ...(detected && outcome.ok ? { detected } : {}) };
  },
  async open(env, live, location) {
    return openWebDavBackend(env, driverConfig(live.connection, await resolveAuth(live, env), location));
  },
};
