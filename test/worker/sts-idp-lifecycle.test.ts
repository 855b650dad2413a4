import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { admin } from './admin-client';
import { bucketOwnerStatements, createAccessKey, createBucket } from './helpers/fixtures';
import { s3Client, sdkError } from './helpers/s3-client';
import { assumeRole, createRole, githubClaims, type Issuer, newIssuer, registerIdp, type SessionCredentials, sessionS3Client } from './helpers/sts';

/**
 * Issue 7 item 6: disabling or deleting an identity provider ends the sessions it vouched for,
 * and neither re-enabling it nor re-creating it for the same issuer brings them back.
 */

let bucket: string;
let owner: S3Client;

beforeAll(async () => {
  bucket = await createBucket('sts-idp-life');
  owner = s3Client(await createAccessKey(bucketOwnerStatements(bucket)));
  await owner.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/readme.txt', Body: 'hello' }));
});

const statements = () => [{ effect: 'allow' as const, actions: ['s3:GetObject', 's3:PutObject'], resources: [`${bucket}/data/*`] }];

/** A fresh issuer registered as an IdP, a role trusting it, and a session minted through it. */
async function idpWithSession(): Promise<{ issuer: Issuer; idpRecord: Record<string, any>; roleName: string; creds: SessionCredentials }> {
  const issuer = await newIssuer();
  const idpRecord = await registerIdp(issuer.issuer);
  const role = await createRole(issuer.issuer, statements());
  return { issuer, idpRecord, roleName: role.name, creds: await mint(role.name, issuer) };
}

async function mint(roleName: string, issuer: Issuer): Promise<SessionCredentials> {
  const { answer, credentials } = await assumeRole(roleName, await issuer.token(githubClaims(issuer.issuer)));
  if (!credentials) throw new Error(answer.text);
  return credentials;
}

const read = async (c: SessionCredentials) => (await sessionS3Client(c).send(new GetObjectCommand({ Bucket: bucket, Key: 'data/readme.txt' }))).Body!.transformToString();
const readError = async (c: SessionCredentials) => (await sdkError(sessionS3Client(c).send(new GetObjectCommand({ Bucket: bucket, Key: 'data/readme.txt' })))).code;

/** A write with these credentials is refused, and the owner sees that nothing was written. */
async function writeRefused(c: SessionCredentials): Promise<string> {
  const key = `data/${crypto.randomUUID()}.txt`;
  const { code } = await sdkError(sessionS3Client(c).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' })));
  expect((await sdkError(owner.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).code).toBe('NotFound');
  return code;
}

describe('sessions of a disabled identity provider', () => {
  it('are refused while it is disabled, and stay refused once it is enabled again', async () => {
    const { issuer, idpRecord, roleName, creds } = await idpWithSession();
    const bystander = await idpWithSession(); // another IdP's session is not affected
    expect(await read(creds)).toBe('hello');

    expect((await admin('PATCH', `/idps/${idpRecord.id}`, { enabled: false })).status).toBe(200);
    expect(await readError(creds)).toBe('InvalidToken');
    expect(await writeRefused(creds)).toBe('InvalidToken');
    expect(await read(bystander.creds)).toBe('hello');

    expect((await admin('PATCH', `/idps/${idpRecord.id}`, { enabled: true })).status).toBe(200);
    expect(await readError(creds)).toBe('InvalidToken');
    expect(await writeRefused(creds)).toBe('InvalidToken');

    await new Promise((r) => setTimeout(r, 1100)); // session issued-at has one-second resolution
    expect(await read(await mint(roleName, issuer))).toBe('hello');
  });
});

describe('sessions of a deleted identity provider', () => {
  it('are refused, and re-creating the IdP for the same issuer does not revive them', async () => {
    const { issuer, idpRecord, roleName, creds } = await idpWithSession();
    expect(await read(creds)).toBe('hello');

    expect((await admin('DELETE', `/idps/${idpRecord.id}`)).status).toBe(204);
    expect(await readError(creds)).toBe('InvalidToken');
    expect(await writeRefused(creds)).toBe('InvalidToken');

    const recreated = await registerIdp(issuer.issuer);
    expect(recreated.id).not.toBe(idpRecord.id);
    expect(await readError(creds)).toBe('InvalidToken');
    expect(await writeRefused(creds)).toBe('InvalidToken');

    // The re-created IdP's own sessions work (no wait: nothing is deny-listed by a delete).
    expect(await read(await mint(roleName, issuer))).toBe('hello');
  });
});
