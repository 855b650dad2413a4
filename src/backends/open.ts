// PLACEHOLDER: replaced by the backends.
import type { Env } from '../env';
import type { BackendConfig } from '../registry/schemas';
import type { Backend } from './backend';
export function openBackend(_env: Env, _config: BackendConfig): Backend {
  throw new Error('not yet');
}
