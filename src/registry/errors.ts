import type { z } from 'zod';

/**
 * Failures of registry operations that callers answer in their own dialect (admin JSON, S3 XML).
 * `code` is stable and is what the audit log records as the outcome.
 */
export abstract class RegistryError extends Error {
  abstract readonly code: string;
}

/** Input that does not validate; `fields` maps dotted paths (`backend.binding`) to messages. */
export class RegistryValidationError extends RegistryError {
  override readonly name = 'RegistryValidationError';
  readonly code = 'InvalidRequest';
  constructor(readonly fields: Record<string, string[]>) {
    super(`invalid ${Object.keys(fields).join(', ') || 'input'}`);
  }
}

export type ConflictCode =
  | 'BucketAlreadyExists'
  /** The bucket's storage place overlaps another bucket's (adrs/0016); `fields` says which. */
  | 'BucketPlacementConflict'
  | 'BucketNotEmpty'
  | 'AccessKeyAlreadyExists'
  | 'IdentityProviderAlreadyExists'
  | 'RoleAlreadyExists'
  | 'ConnectionAlreadyExists'
  /** A bucket or the default-backend setting still references the connection. */
  | 'ConnectionInUse';

/**
 * The write collides with existing state: the name is taken, the place is occupied, or the bucket
 * still holds objects. `fields` names the input field at fault when one is.
 */
export class RegistryConflictError extends RegistryError {
  override readonly name = 'RegistryConflictError';
  constructor(
    readonly code: ConflictCode,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

export type NotFoundCode = 'NoSuchBucket' | 'NoSuchAccessKey' | 'NoSuchIdentityProvider' | 'NoSuchRole' | 'NoSuchSession' | 'NoSuchRevocation' | 'NoSuchConnection';

/**
 * The input is well-formed but the upstream it names does not work (validate-before-save,
 * adrs/0019): `fields` carries the upstream's reason at the field to fix.
 */
export class UpstreamValidationError extends RegistryError {
  override readonly name = 'UpstreamValidationError';
  readonly code = 'UpstreamValidationFailed';
  constructor(readonly fields: Record<string, string[]>) {
    super(`upstream validation failed: ${Object.values(fields).flat().join('; ')}`);
  }
}

export class RegistryNotFoundError extends RegistryError {
  override readonly name = 'RegistryNotFoundError';
  constructor(
    readonly code: NotFoundCode,
    message: string,
  ) {
    super(message);
  }
}

/** Parses `input` with `schema`, or throws RegistryValidationError naming every failing field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new RegistryValidationError(fieldErrors(result.error));
}

/** Zod issues → `{ "a.b": ["message", ...] }`; an unknown key is reported at its own path. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  const add = (path: PropertyKey[], message: string) => {
    const key = path.length === 0 ? '(body)' : path.map(String).join('.');
    (fields[key] ??= []).push(message);
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], 'unknown field');
    } else {
      add(issue.path, issue.message);
    }
  }
  return fields;
}
