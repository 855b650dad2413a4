import { ListBucketsCommand, paginateListBuckets, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessKey, createBucket } from './helpers/fixtures';
import { type Credentials, errorCode, s3Client, sdkError, signedFetch } from './helpers/s3-client';

// ListBuckets pages as S3 has since 2024: max-buckets, continuation-token, prefix.

let s3: S3Client;
let credentials: Credentials;
let mine: string[];
let other: string;
const PREFIX = `pg${crypto.randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  mine = (await Promise.all(['a', 'b', 'c', 'd', 'e'].map((l) => createBucket(`${PREFIX}-${l}`)))).sort();
  other = await createBucket(`${PREFIX}x-hidden`);
  // Allowed everything in the five buckets and nothing in the sixth: ListBuckets never shows it.
  credentials = await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: mine.flatMap((b) => [b, `${b}/*`]) }]);
  s3 = s3Client(credentials);
});

describe('ListBuckets paging', () => {
  it('pages by max-buckets with a ContinuationToken, echoing Prefix', async () => {
    const first = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, Prefix: PREFIX }));
    expect(first.Buckets?.map((b) => b.Name)).toEqual(mine.slice(0, 2));
    expect(first.Prefix).toBe(PREFIX);
    expect(first.ContinuationToken).toBeTruthy();
    const second = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, Prefix: PREFIX, ContinuationToken: first.ContinuationToken }));
    expect(second.Buckets?.map((b) => b.Name)).toEqual(mine.slice(2, 4));
    const last = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, Prefix: PREFIX, ContinuationToken: second.ContinuationToken }));
    expect(last.Buckets?.map((b) => b.Name)).toEqual(mine.slice(4));
    expect(last.ContinuationToken).toBeUndefined();
  });

  it('the SDK paginator walks every visible bucket once, never the hidden one', async () => {
    const names: string[] = [];
    for await (const page of paginateListBuckets({ client: s3, pageSize: 1 }, { Prefix: PREFIX })) names.push(...(page.Buckets ?? []).map((b) => b.Name!));
    expect(names).toEqual(mine);
    expect(names).not.toContain(other);
  });

  it('without paging parameters lists everything visible, with neither ContinuationToken nor Prefix', async () => {
    const all = await s3.send(new ListBucketsCommand({}));
    expect(all.Buckets?.map((b) => b.Name)).toEqual(mine);
    expect(all.ContinuationToken).toBeUndefined();
    expect(all.Prefix).toBeUndefined();
  });

  it('a prefix that matches nothing is an empty page', async () => {
    const none = await s3.send(new ListBucketsCommand({ Prefix: `${PREFIX}zzz` }));
    expect(none.Buckets ?? []).toEqual([]);
  });

  it('an empty continuation-token is the first page', async () => {
    const r = await signedFetch(credentials, 'GET', `/?max-buckets=1&continuation-token=&prefix=${PREFIX}`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain(`<Name>${mine[0]}</Name>`);
  });

  it.each(['0', '10001', '-1', 'abc', '1.5', ''])('max-buckets=%s is InvalidArgument', async (value) => {
    const r = await signedFetch(credentials, 'GET', `/?max-buckets=${value}`);
    expect({ status: r.status, code: await errorCode(r) }).toEqual({ status: 400, code: 'InvalidArgument' });
  });

  it('a token that is not one of ours is InvalidArgument', async () => {
    expect(await sdkError(s3.send(new ListBucketsCommand({ ContinuationToken: 'not-a-token' })))).toEqual({ code: 'InvalidArgument', status: 400 });
  });
});
