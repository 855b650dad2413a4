// PLACEHOLDER: replaced by the registry.
import type { Env } from '../env';
import type { BucketConfig } from './schemas';
export async function getBucket(_env: Env, _name: string): Promise<BucketConfig | null> {
  return null;
}
