import { StsError } from './errors';

/** AssumeRoleWithWebIdentity's parameters, validated with the constraints (and messages) STS uses. */
export interface AssumeRoleInput {
  roleArn: string;
  account: string;
  roleName: string;
  roleSessionName: string;
  webIdentityToken: string;
  /** Null when the caller did not ask: the default is applied once the role is known. */
  durationSeconds: number | null;
}

/** The account reported when a RoleArn names none (`arn:aws:iam:::role/x`) and for static keys. */
export const DEFAULT_ACCOUNT = '000000000000';
export const DEFAULT_DURATION_SECONDS = 3600;
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43200;

const SESSION_NAME = /^[\w+=,.@-]*$/;
// arn:<partition>:iam::<account>:role/<optional path/>name. The account is echoed back, never checked:
// the gateway has one namespace of roles.
const ROLE_ARN = /^arn:aws[a-z-]*:iam::([\w-]{0,64}):role\/(?:[\x21-\x7e]+\/)?([\w+=,.@-]{1,64})$/;

export function parseAssumeRoleInput(params: URLSearchParams): AssumeRoleInput {
  for (const unsupported of ['Policy', 'PolicyArns.member.1', 'ProviderId']) {
    if (params.has(unsupported)) {
      throw new StsError('InvalidParameterValue', `The parameter ${unsupported.split('.')[0]} is not supported by this gateway.`);
    }
  }
  const roleArn = params.get('RoleArn');
  const roleSessionName = params.get('RoleSessionName');
  // Trailing whitespace only: a token read from a file (`file://`) keeps its final newline.
  const webIdentityToken = params.get('WebIdentityToken')?.replace(/\s+$/, '') ?? null;
  const durationRaw = params.get('DurationSeconds');

  let durationSeconds: number | null = null;
  if (durationRaw !== null) {
    if (!/^\d{1,9}$/.test(durationRaw)) {
      throw new StsError('InvalidParameterValue', `Value (${truncate(durationRaw)}) for parameter DurationSeconds is invalid. It must be an integer.`);
    }
    durationSeconds = Number(durationRaw);
  }

  const problems: string[] = [];
  const check = (ok: boolean, value: string | null, member: string, constraint: string) => {
    if (!ok) problems.push(`Value ${value === null ? 'null' : `'${truncate(value)}'`} at '${member}' failed to satisfy constraint: ${constraint}`);
  };
  check(roleArn !== null, null, 'roleArn', 'Member must not be null');
  if (roleArn !== null) check(roleArn.length >= 20 && roleArn.length <= 2048, roleArn, 'roleArn', 'Member must have length between 20 and 2048');
  check(roleSessionName !== null, null, 'roleSessionName', 'Member must not be null');
  if (roleSessionName !== null) {
    check(roleSessionName.length >= 2 && roleSessionName.length <= 64, roleSessionName, 'roleSessionName', 'Member must have length between 2 and 64');
    check(SESSION_NAME.test(roleSessionName), roleSessionName, 'roleSessionName', 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
  }
  check(webIdentityToken !== null, null, 'webIdentityToken', 'Member must not be null');
  if (webIdentityToken !== null) {
    // The token itself is never echoed.
    if (webIdentityToken.length < 4 || webIdentityToken.length > 20000) {
      problems.push("Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000");
    }
  }
  if (durationSeconds !== null) {
    check(durationSeconds >= MIN_DURATION_SECONDS, String(durationSeconds), 'durationSeconds', `Member must have value greater than or equal to ${MIN_DURATION_SECONDS}`);
    check(durationSeconds <= MAX_DURATION_SECONDS, String(durationSeconds), 'durationSeconds', `Member must have value less than or equal to ${MAX_DURATION_SECONDS}`);
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 validation error' : `${problems.length} validation errors`;
    throw new StsError('ValidationError', `${count} detected: ${problems.join('; ')}`);
  }

  const arn = ROLE_ARN.exec(roleArn!);
  if (!arn) throw new StsError('ValidationError', 'Request ARN is invalid');
  return {
    roleArn: roleArn!,
    account: arn[1] || DEFAULT_ACCOUNT,
    roleName: arn[2]!,
    roleSessionName: roleSessionName!,
    webIdentityToken: webIdentityToken!,
    durationSeconds,
  };
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
