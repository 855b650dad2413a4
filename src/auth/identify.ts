// PLACEHOLDER: replaced by the SigV4/SigV2 verifier.
import { ANONYMOUS } from './principal';
import type { CredentialStore, Identity } from './identity';
export async function identify(_request: Request, _rawPath: string, _store: CredentialStore, _options: { now: Date; region: string }): Promise<Identity> {
  return { principal: ANONYMOUS, body: null };
}
