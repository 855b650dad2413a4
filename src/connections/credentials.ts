import type { Env } from '../env';
import { FederationError } from '../storage/s3/federated-credentials';
import type { LiveConnection } from '../registry/connection-schemas';
import { federatedCredentials } from '../sts/federation';

/** The token audience when a federation connection names none: what AWS STS expects. */
export const DEFAULT_FEDERATION_AUDIENCE = 'sts.amazonaws.com';

/**
 * Where a connection's upstream credentials come from, one provider per auth mode (adrs/0019).
 * Opening a bucket's backend and probing an upstream both ask `resolveCredentials`; the driver
 * only ever sees the resolved pair. Providers never log or return anything but the pair.
 */
export interface ResolvedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When short-lived credentials stop working (federation); absent for long-lived keys. */
  expiresAt?: Date;
}

/** What the credentials are for. */
export interface CredentialContext {
  /**
   * The virtual bucket served, when there is one: keyless federation names it as the token's `sub`,
   * so an upstream role can trust one bucket. Probes have none and use `connection/<name>`.
   */
  subject?: string;
}

export interface CredentialProvider {
  /** null: send requests unsigned (anonymous access to a public upstream bucket). */
  resolveCredentials(connection: LiveConnection, env: Env, context: CredentialContext): Promise<ResolvedCredentials | null>;
}

/** The connection's credentials cannot be had now; `reauth` when an operator must supply new ones. */
export class CredentialUnavailableError extends Error {
  override readonly name = 'CredentialUnavailableError';
  constructor(
    message: string,
    readonly reauth: boolean,
  ) {
    super(message);
  }
}

const staticKeys: CredentialProvider = {
  async resolveCredentials({ staticKeys: keys }) {
    if (!keys) throw new CredentialUnavailableError('the static credentials are missing', true);
    return { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  },
};

/** The named Worker secret holds JSON `{"accessKeyId","secretAccessKey","sessionToken"?}`, read at open. */
const secretRef: CredentialProvider = {
  async resolveCredentials({ connection }, env) {
    if (connection.auth.mode !== 'secret_ref') throw new CredentialUnavailableError('not a secret_ref connection', true);
    const name = connection.auth.secretName;
    const raw = (env as unknown as Record<string, unknown>)[name];
    if (typeof raw !== 'string') throw new CredentialUnavailableError(`the Worker secret ${name} is not set`, true);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = null;
    }
    const p = parsed as Partial<Record<'accessKeyId' | 'secretAccessKey' | 'sessionToken', unknown>> | null;
    if (!p || typeof p.accessKeyId !== 'string' || typeof p.secretAccessKey !== 'string' || !p.accessKeyId || !p.secretAccessKey) {
      // Never echo the secret's content, not even a part of it.
      throw new CredentialUnavailableError(`the Worker secret ${name} is not JSON {"accessKeyId","secretAccessKey"}`, true);
    }
    return { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(typeof p.sessionToken === 'string' ? { sessionToken: p.sessionToken } : {}) };
  },
};

const anonymous: CredentialProvider = {
  async resolveCredentials() {
    return null;
  },
};

/**
 * Keyless federation (adrs/0020): a token the gateway mints about the bucket, exchanged at the
 * upstream's STS. Credentials are cached per connection and subject. A refused exchange
 * (`auth-failed`) needs an operator; anything else is worth retrying.
 */
const federation: CredentialProvider = {
  async resolveCredentials({ connection }, env, context) {
    const auth = connection.auth;
    if (auth.mode !== 'federation') throw new CredentialUnavailableError('not a federation connection', true);
    const subject = context.subject ?? `connection/${connection.name}`;
    try {
      const credentials = await federatedCredentials(env, {
        connectionId: `${connection.id}/${subject}`,
        roleArn: auth.roleArn,
        stsEndpoint: auth.stsEndpoint,
        audience: auth.audience ?? DEFAULT_FEDERATION_AUDIENCE,
        sessionDuration: auth.sessionDuration,
        subject,
      });
      return credentials;
    } catch (error) {
      if (error instanceof FederationError) throw new CredentialUnavailableError(error.message, error.kind === 'auth-failed');
      throw error;
    }
  },
};

/** One provider per auth mode: the federation entry is where the STS exchange plugs in. */
export const CREDENTIAL_PROVIDERS: Record<LiveConnection['connection']['auth']['mode'], CredentialProvider> = {
  static: staticKeys,
  secret_ref: secretRef,
  federation,
  anonymous,
};

export function resolveCredentials(connection: LiveConnection, env: Env, context: CredentialContext = {}): Promise<ResolvedCredentials | null> {
  return CREDENTIAL_PROVIDERS[connection.connection.auth.mode].resolveCredentials(connection, env, context);
}
