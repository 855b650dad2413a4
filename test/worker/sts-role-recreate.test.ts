import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordCache } from '../../src/registry/cache';
import { getRole } from '../../src/registry/roles';
import { Role } from '../../src/registry/sts-schemas';
import { admin } from './admin-client';
import { bucketOwnerStatements, createAccessKey, createBucket } from './helpers/fixtures';
import { s3Client, sdkError } from './helpers/s3-client';
import { AUDIENCE, assumeRole, githubClaims, type Issuer, newIssuer, registerIdp, sessionS3Client } from './helpers/sts';

/**
 * Issue 7 item 10a: a CI flow deletes a role and re-creates it under the same name with other
 * statements; sessions minted at once from the new role must get the new role. The race that
 * broke it: a request (here: another isolate's role cache) read the old role from D1 just before
 * the delete, and its KV fill landed after the delete's invalidation, so the gateway served the
 * old role from KV for a minute and minted sessions bound to a deleted role.
 */

let idp: Issuer;

beforeAll(async () => {
  idp = await newIssuer();
  await registerIdp(idp.issuer);
});

const trust = () => [{ issuer: idp.issuer, audience: AUDIENCE, claims: [{ claim: 'repository', operator: 'equals', value: 'org/repo' }] }];

async function bucketWithObject(label: string): Promise<string> {
  const bucket = await createBucket(label);
  await s3Client(await createAccessKey(bucketOwnerStatements(bucket))).send(new PutObjectCommand({ Bucket: bucket, Key: 'x.txt', Body: 'x' }));
  return bucket;
}

async function putRole(name: string, bucket: string): Promise<string> {
  const created = await admin('POST', '/roles', { name, trust: trust(), statements: [{ effect: 'allow', actions: ['s3:ListBucket'], resources: [bucket] }] });
  expect(created.status, created.text).toBe(201);
  return created.json.id;
}

/**
 * The role-by-name cache as another isolate runs it (same KV kind, its own memory and epoch),
 * whose D1 read can be held until the test lets its KV fill proceed.
 */
function racingIsolate() {
  let release!: () => void;
  let loaded!: () => void;
  const readDone = new Promise<void>((r) => (loaded = r));
  const gate = new Promise<void>((r) => (release = r));
  const cache = new RecordCache<Role, Role>({
    kind: 'role',
    stored: Role,
    load: async (e, name) => {
      const role = await getRole(e, name);
      loaded();
      await gate;
      return role;
    },
    hydrate: async (_e, r) => r,
  });
  return { cache, readDone, release };
}

describe('a role deleted and re-created under the same name', () => {
  it('mints sessions of the new role at once, even when a fill of the old role races the delete (20 rounds)', async () => {
    const name = `recreated-${crypto.randomUUID().slice(0, 8)}`;
    // Each re-creation points the role at the other bucket: its statements always change.
    const buckets = [await bucketWithObject('recreate-a'), await bucketWithObject('recreate-b')];
    await putRole(name, buckets[1]!);

    for (let round = 0; round < 20; round++) {
      // The KV copy has expired (as it does every minute), so the other isolate reads D1.
      await env.CACHE.delete(`registry/v1/role/${name}`);
      const other = racingIsolate();
      const fill = other.cache.get(env, name);
      await other.readDone; // it has read the old role from D1 …

      expect((await admin('DELETE', `/roles/${name}`)).status).toBe(204);
      const [bucket, previousBucket] = (round % 2 === 0 ? buckets : [...buckets].reverse()) as [string, string];
      const newId = await putRole(name, bucket);

      other.release(); // … and writes it to KV only now, after the delete and the re-creation.
      expect((await fill)?.statements[0]?.resources).toEqual([previousBucket]);

      const { answer, credentials } = await assumeRole(name, await idp.token(githubClaims(idp.issuer)));
      expect(answer.status, answer.text).toBe(200);
      const assumed = answer.doc.AssumeRoleWithWebIdentityResponse.AssumeRoleWithWebIdentityResult.AssumedRoleUser.AssumedRoleId as string;
      expect(assumed.split(':')[0], `round ${round}`).toBe(newId);
      const session = sessionS3Client(credentials!);
      const listed = await session.send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(listed.Contents?.map((o) => o.Key), `round ${round}`).toEqual(['x.txt']);
      // The new role's statements only: the old bucket is out of reach.
      expect((await sdkError(session.send(new ListObjectsV2Command({ Bucket: previousBucket })))).code).toBe('AccessDenied');
    }
  });
});
