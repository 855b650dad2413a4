import type { Capabilities, WriteConditions } from '../backend';
import { StorageError } from '../errors';

const OPERATION = { put: 'PutObject', complete: 'CompleteMultipartUpload' } as const;

/**
 * A conditional write (If-Match / If-None-Match) runs only on a backend that applies the condition
 * atomically with the write. Checking first and writing after would let a write racing in between
 * win silently, so a backend without the capability refuses instead (501), before anything changes.
 */
export function assertConditionalWriteSupported(capabilities: Capabilities, operation: keyof typeof OPERATION, conditions: WriteConditions | undefined): void {
  if (!conditions) return;
  const atomic = operation === 'put' ? capabilities.atomicConditionalWrite : capabilities.atomicConditionalComplete;
  if (atomic) return;
  throw new StorageError(
    'not-implemented',
    `This bucket's storage cannot apply If-Match or If-None-Match atomically to ${OPERATION[operation]}, so conditional ${OPERATION[operation]} is not implemented for this bucket.`,
  );
}
