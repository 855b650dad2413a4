// PLACEHOLDER: replaced by the registry.
import type { Env } from '../env';
import type { CredentialStore } from '../auth/identity';
export function accessKeyCredentialStore(_env: Env): CredentialStore {
  return { lookup: async () => null };
}
