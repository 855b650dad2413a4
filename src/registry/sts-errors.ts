import { RegistryError } from './errors';

/** Registry failures of the STS records (identity providers, roles); admin answers them 404 / 409. */
export class StsRecordNotFoundError extends RegistryError {
  override readonly name = 'StsRecordNotFoundError';
  constructor(
    readonly code: 'NoSuchIdentityProvider' | 'NoSuchRole' | 'NoSuchSession' | 'NoSuchRevocation',
    message: string,
  ) {
    super(message);
  }
}

export class StsRecordConflictError extends RegistryError {
  override readonly name = 'StsRecordConflictError';
  constructor(
    readonly code: 'IdentityProviderAlreadyExists' | 'RoleAlreadyExists',
    message: string,
  ) {
    super(message);
  }
}
