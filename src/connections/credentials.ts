import type { Env } from '../env';
import type { LiveConnection } from '../registry/connection-schemas';

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

export interface CredentialProvider {
  /** null: send requests unsigned (anonymous access to a public upstream bucket). */
  resolveCredentials(connection: LiveConnection, env: Env): Promise<ResolvedCredentials | null>;
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
 * Keyless federation (AssumeRoleWithWebIdentity against the upstream's STS) is built in src/sts/
 * by its own change; until its provider is wired here, federation connections are refused.
 */
export const FEDERATION_NOT_AVAILABLE = 'federation credentials are not available in this build yet';
const federationUnavailable: CredentialProvider = {
  async resolveCredentials() {
    throw new CredentialUnavailableError(FEDERATION_NOT_AVAILABLE, false);
  },
};

/** One provider per auth mode: the federation entry is where the STS exchange plugs in. */
export const CREDENTIAL_PROVIDERS: Record<LiveConnection['connection']['auth']['mode'], CredentialProvider> = {
  static: staticKeys,
  secret_ref: secretRef,
  federation: federationUnavailable,
  anonymous,
};

export function resolveCredentials(connection: LiveConnection, env: Env): Promise<ResolvedCredentials | null> {
  return CREDENTIAL_PROVIDERS[connection.connection.auth.mode].resolveCredentials(connection, env);
}
