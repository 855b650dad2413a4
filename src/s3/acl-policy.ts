import { aclNotSupported, type SupportedCannedAcl } from './canned-acl';
import { S3Error } from '../core/s3-error';
import { S3_XMLNS } from './xml';

/**
 * S3's AccessControlPolicy document (GetBucketAcl/GetObjectAcl answers, PutBucketAcl/PutObjectAcl
 * bodies), for the two canned ACLs the gateway supports (adrs/0016):
 *   private      = the owner's FULL_CONTROL grant
 *   public-read  = that, plus READ for the AllUsers group
 */

export const ALL_USERS_URI = 'http://acs.amazonaws.com/groups/global/AllUsers';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

type Owner = { ID: string; DisplayName: string };

/** The document GetBucketAcl / GetObjectAcl answer for `acl`. */
export function accessControlPolicyDocument(owner: Owner, acl: SupportedCannedAcl): Record<string, unknown> {
  const grants: unknown[] = [{ Grantee: { '@_xmlns:xsi': XSI_NS, '@_xsi:type': 'CanonicalUser', ...owner }, Permission: 'FULL_CONTROL' }];
  if (acl === 'public-read') grants.push({ Grantee: { '@_xmlns:xsi': XSI_NS, '@_xsi:type': 'Group', URI: ALL_USERS_URI }, Permission: 'READ' });
  return { AccessControlPolicy: { '@_xmlns': S3_XMLNS, Owner: owner, AccessControlList: { Grant: grants } } };
}

/**
 * The canned ACL a PutBucketAcl / PutObjectAcl body expresses. The grantee's kind is read from its
 * elements (ID, URI, EmailAddress) rather than its `xsi:type` attribute, which the parser drops.
 * Throws MalformedACLError for a document that is not an AccessControlPolicy, and
 * AccessControlListNotSupported for one that is valid but grants anything else (another owner,
 * another grantee, another permission).
 */
export function cannedAclFromPolicy(document: Record<string, unknown>, ownerId: string): SupportedCannedAcl {
  const policy = document.AccessControlPolicy;
  if (!isRecord(policy)) throw malformedAcl();
  const owner = policy.Owner;
  if (owner !== undefined && owner !== '') {
    if (!isRecord(owner) || typeof owner.ID !== 'string') throw malformedAcl();
    if (owner.ID !== ownerId) throw aclNotSupported('The owner cannot be changed.');
  }
  const list = policy.AccessControlList;
  if (list !== undefined && list !== '' && !isRecord(list)) throw malformedAcl();
  const grant = isRecord(list) ? list.Grant : undefined;
  const grants: unknown[] = grant === undefined ? [] : Array.isArray(grant) ? grant : [grant];

  const seen = new Set<string>();
  for (const grant of grants) {
    if (!isRecord(grant) || !isRecord(grant.Grantee) || typeof grant.Permission !== 'string') throw malformedAcl();
    seen.add(`${granteeOf(grant.Grantee)} ${grant.Permission}`);
  }
  const ownerFull = `user:${ownerId} FULL_CONTROL`;
  const allUsersRead = 'group:AllUsers READ';
  if (seen.size === 1 && seen.has(ownerFull)) return 'private';
  if (seen.size === 2 && seen.has(ownerFull) && seen.has(allUsersRead)) return 'public-read';
  throw aclNotSupported('Only the grants of the canned ACLs private (the owner\'s FULL_CONTROL) and public-read (plus READ for AllUsers) are supported.');
}

function granteeOf(grantee: Record<string, unknown>): string {
  if (typeof grantee.ID === 'string') return `user:${grantee.ID}`;
  if (typeof grantee.URI === 'string') return grantee.URI === ALL_USERS_URI ? 'group:AllUsers' : `group:${grantee.URI}`;
  if (typeof grantee.EmailAddress === 'string') return `email:${grantee.EmailAddress}`;
  throw malformedAcl();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformedAcl(): S3Error {
  return new S3Error('MalformedACLError', 'The XML you provided was not well-formed or did not validate against our published schema.');
}
