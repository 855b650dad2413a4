import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketWithClient } from './helpers/fixtures';
import { errorCode, md5Hex, sdkError, signedFetch } from './helpers/s3-client';
import { completeXml, MiB, patternBytes, useMultipartBucket } from './helpers/multipart';

const mpu = useMultipartBucket('multipart');
const { start, uploadParts, complete } = mpu;

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
}

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, then `-<count>`. */
async function multipartEtag(parts: Uint8Array[]): Promise<string> {
  const md5s = await Promise.all(parts.map((p) => md5Hex(p)));
  const joined = new Uint8Array(md5s.flatMap((h) => [...hexToBytes(h)]));
  return `"${await md5Hex(joined)}-${parts.length}"`;
}

async function exists(key: string): Promise<boolean> {
  const r = await mpu.s3.send(new ListObjectsV2Command({ Bucket: mpu.bucket, Prefix: key }));
  return (r.Contents ?? []).some((o) => o.Key === key);
}

describe('multipart upload end to end', () => {
  it('uploads 12 MiB with lib-storage; GET, HEAD and List report the S3 multipart ETag', async () => {
    const parts = [patternBytes(5 * MiB, 1), patternBytes(5 * MiB, 2), patternBytes(2 * MiB, 3)];
    const whole = new Uint8Array(12 * MiB);
    parts.reduce((offset, p) => (whole.set(p, offset), offset + p.byteLength), 0);
    const upload = new Upload({
      client: mpu.s3,
      params: { Bucket: mpu.bucket, Key: 'big/twelve.bin', Body: whole, ContentType: 'application/x-test', Metadata: { origin: 'lib-storage' } },
      partSize: 5 * MiB,
      queueSize: 2,
    });
    const result = await upload.done();
    const expected = await multipartEtag(parts);
    expect(result.ETag).toBe(expected);
    const head = await mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: 'big/twelve.bin' }));
    expect(head.ETag).toBe(expected);
    expect(head.ContentLength).toBe(12 * MiB);
    expect(head.ContentType).toBe('application/x-test');
    expect(head.Metadata).toEqual({ origin: 'lib-storage' });
    const listed = await mpu.s3.send(new ListObjectsV2Command({ Bucket: mpu.bucket, Prefix: 'big/' }));
    expect(listed.Contents!.map((o) => [o.Key, o.ETag, o.Size])).toEqual([['big/twelve.bin', expected, 12 * MiB]]);
    const got = await mpu.s3.send(new GetObjectCommand({ Bucket: mpu.bucket, Key: 'big/twelve.bin' }));
    expect(got.ETag).toBe(expected);
    expect(await md5Hex(await got.Body!.transformToByteArray())).toBe(await md5Hex(whole));
  });

  it('lists parts and uploads from the ledger, then forgets the upload once completed', async () => {
    const key = 'flow/object';
    const uploadId = await start(key);
    const data = [patternBytes(5 * MiB, 4), patternBytes(10, 5)];
    const sent = await uploadParts(key, uploadId, data);
    expect(sent.map((p) => p.ETag)).toEqual([`"${await md5Hex(data[0]!)}"`, `"${await md5Hex(data[1]!)}"`]);
    const parts = await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId }));
    expect(parts.Parts!.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, sent[0]!.ETag, 5 * MiB],
      [2, sent[1]!.ETag, 10],
    ]);
    const done = await mpu.s3.send(new CompleteMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: sent } }));
    expect(done.ETag).toBe(await multipartEtag(data));
    expect(done.Key).toBe(key);
    expect(await sdkError(mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId })))).toEqual({ code: 'NoSuchUpload', status: 404 });
  });

  it('keeps the metadata given at CreateMultipartUpload', async () => {
    const key = 'flow/meta';
    const { UploadId } = await mpu.s3.send(new CreateMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, ContentType: 'text/csv', CacheControl: 'no-cache', Metadata: { team: 'a' } }));
    const sent = await uploadParts(key, UploadId!, [new TextEncoder().encode('a,b\n')]);
    await mpu.s3.send(new CompleteMultipartUploadCommand({ Bucket: mpu.bucket, Key: key, UploadId, MultipartUpload: { Parts: sent } }));
    const head = await mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: key }));
    expect([head.ContentType, head.CacheControl, head.Metadata]).toEqual(['text/csv', 'no-cache', { team: 'a' }]);
  });
});

describe('UploadPart checks', () => {
  it.each(['0', '10001', 'abc', '-1'])('refuses partNumber=%s with InvalidArgument', async (partNumber) => {
    const uploadId = await start('checks/part-number');
    const r = await signedFetch(mpu.credentials, 'PUT', `/${mpu.bucket}/checks/part-number?partNumber=${partNumber}&uploadId=${uploadId}`, { body: 'x' });
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe('InvalidArgument');
    expect((await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'checks/part-number', UploadId: uploadId }))).Parts ?? []).toEqual([]);
  });

  it("refuses a part larger than the backend's maxPartSize with EntityTooLarge before reading it, storing nothing", async () => {
    // R2 takes parts of at most 5 GiB − 5 MiB (its declared maxPartSize); S3's own limit is 5 GiB.
    const uploadId = await start('checks/part-size');
    const declared = 5 * 1024 ** 3 - MiB;
    const r = await signedFetch(mpu.credentials, 'PUT', `/${mpu.bucket}/checks/part-size?partNumber=1&uploadId=${uploadId}`, {
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(declared),
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: '0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
    });
    expect(r.status).toBe(400);
    const body = await r.text();
    expect(body).toContain('<Code>EntityTooLarge</Code>');
    expect(body).toContain(`<ProposedSize>${declared}</ProposedSize>`);
    expect((await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'checks/part-size', UploadId: uploadId }))).Parts ?? []).toEqual([]);
  });

  it('refuses an unknown upload id, or one started for another key, with NoSuchUpload', async () => {
    const uploadId = await start('checks/owner');
    for (const [key, id] of [
      ['checks/owner', 'not-an-upload'],
      ['checks/other-key', uploadId],
    ] as const) {
      const e = await sdkError(mpu.s3.send(new UploadPartCommand({ Bucket: mpu.bucket, Key: key, UploadId: id, PartNumber: 1, Body: 'x' })));
      expect(e).toEqual({ code: 'NoSuchUpload', status: 404 });
    }
    expect((await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'checks/owner', UploadId: uploadId }))).Parts ?? []).toEqual([]);
  });

  it('refuses a public canned ACL on CreateMultipartUpload and records nothing', async () => {
    const e = await sdkError(mpu.s3.send(new CreateMultipartUploadCommand({ Bucket: mpu.bucket, Key: 'checks/acl', ACL: 'public-read' })));
    expect(e).toEqual({ code: 'AccessControlListNotSupported', status: 400 });
    const r = await signedFetch(mpu.credentials, 'GET', `/${mpu.bucket}?uploads&prefix=checks%2Facl`);
    expect(await r.text()).not.toContain('<Upload>');
  });
});

describe('CompleteMultipartUpload checks', () => {
  let key: string;
  let uploadId: string;
  let sent: { PartNumber: number; ETag: string }[];

  beforeAll(async () => {
    key = 'checks/complete';
    uploadId = await start(key);
    sent = await uploadParts(key, uploadId, [patternBytes(1024, 6), patternBytes(1024, 7)]);
  });

  it.each([
    ['parts out of order', () => completeXml([sent[1]!, sent[0]!]), 'InvalidPartOrder'],
    ['a repeated part', () => completeXml([sent[0]!, sent[0]!]), 'InvalidPartOrder'],
    ['a wrong ETag', () => completeXml([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]), 'InvalidPart'],
    ['a part never uploaded', () => completeXml([sent[0]!, sent[1]!, { PartNumber: 3, ETag: sent[1]!.ETag }]), 'InvalidPart'],
    ['a non-final part under 5 MiB', () => completeXml(sent), 'EntityTooSmall'],
    ['no parts', () => completeXml([]), 'MalformedXML'],
    ['broken XML', () => completeXml(sent).slice(0, -10), 'MalformedXML'],
    ['entity expansion', () => `<!DOCTYPE x [<!ENTITY e "1">]>${completeXml(sent)}`, 'MalformedXML'],
    ['a part number out of range', () => completeXml([{ PartNumber: 0, ETag: sent[0]!.ETag }]), 'InvalidArgument'],
    ['an oversized document', () => completeXml(sent).replace('<Part>', `<!--${'x'.repeat(3 * MiB)}--><Part>`), 'MaxMessageLengthExceeded'],
  ])('refuses %s and writes nothing', async (_label, body, code) => {
    const r = await complete(key, uploadId, body());
    expect(r.status).toBe(400);
    expect(await errorCode(r)).toBe(code);
    expect(await exists(key)).toBe(false);
    const parts = await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId }));
    expect(parts.Parts!.length).toBe(2);
  });

  it('completes with only the last part, then forgets the upload (a retry of the same list gets the same answer)', async () => {
    const r = await complete(key, uploadId, completeXml([sent[1]!]));
    expect(r.status).toBe(200);
    const xml = await r.text();
    expect(xml).toContain('<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
    expect((await mpu.s3.send(new HeadObjectCommand({ Bucket: mpu.bucket, Key: key }))).ContentLength).toBe(1024);
    expect(await (await complete(key, uploadId, completeXml([sent[1]!]))).text()).toBe(xml);
    expect((await complete(key, uploadId, completeXml(sent))).status).toBe(404);
    expect(await sdkError(mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: key, UploadId: uploadId })))).toMatchObject({ code: 'NoSuchUpload' });
  });

  it('refuses a conditional completion on R2 (no atomic conditions there) with 501, changing nothing', async () => {
    await mpu.s3.send(new PutObjectCommand({ Bucket: mpu.bucket, Key: 'checks/exists', Body: 'original' }));
    const id = await start('checks/exists');
    const parts = await uploadParts('checks/exists', id, [new TextEncoder().encode('replacement')]);
    const conditions: Record<string, string>[] = [{ 'if-none-match': '*' }, { 'if-match': '"0123456789abcdef0123456789abcdef"' }];
    for (const condition of conditions) {
      const r = await complete('checks/exists', id, completeXml(parts), condition);
      expect(r.status).toBe(501);
      expect(await errorCode(r)).toBe('NotImplemented');
    }
    expect(await (await mpu.s3.send(new GetObjectCommand({ Bucket: mpu.bucket, Key: 'checks/exists' }))).Body!.transformToString()).toBe('original');
    // The upload is untouched: it still completes without a condition.
    expect((await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'checks/exists', UploadId: id }))).Parts).toHaveLength(1);
    expect((await complete('checks/exists', id, completeXml(parts))).status).toBe(200);
  });
});

describe('AbortMultipartUpload', () => {
  it('answers 204, forgets the parts, and NoSuchUpload afterwards', async () => {
    const uploadId = await start('abort/me');
    const sent = await uploadParts('abort/me', uploadId, [patternBytes(100, 8)]);
    const r = await signedFetch(mpu.credentials, 'DELETE', `/${mpu.bucket}/abort/me?uploadId=${uploadId}`);
    expect(r.status).toBe(204);
    expect(await sdkError(mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'abort/me', UploadId: uploadId })))).toMatchObject({ code: 'NoSuchUpload' });
    expect((await complete('abort/me', uploadId, completeXml(sent))).status).toBe(404);
    expect(await sdkError(mpu.s3.send(new AbortMultipartUploadCommand({ Bucket: mpu.bucket, Key: 'abort/me', UploadId: uploadId })))).toEqual({ code: 'NoSuchUpload', status: 404 });
    expect(await exists('abort/me')).toBe(false);
  });
});

describe('ListParts paging', () => {
  it('pages with max-parts and part-number-marker', async () => {
    const uploadId = await start('paging/parts');
    await uploadParts('paging/parts', uploadId, [patternBytes(10, 1), patternBytes(10, 2), patternBytes(10, 3)]);
    const first = await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'paging/parts', UploadId: uploadId, MaxParts: 2 }));
    expect(first.Parts!.map((p) => p.PartNumber)).toEqual([1, 2]);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextPartNumberMarker).toBe('2');
    const rest = await mpu.s3.send(new ListPartsCommand({ Bucket: mpu.bucket, Key: 'paging/parts', UploadId: uploadId, PartNumberMarker: first.NextPartNumberMarker }));
    expect(rest.Parts!.map((p) => p.PartNumber)).toEqual([3]);
    expect(rest.IsTruncated).toBe(false);
    const bad = await signedFetch(mpu.credentials, 'GET', `/${mpu.bucket}/paging/parts?uploadId=${uploadId}&part-number-marker=x`);
    expect(await errorCode(bad)).toBe('InvalidArgument');
  });
});

describe('ListMultipartUploads', () => {
  it('lists uploads by key with common prefixes, and pages through them one at a time', async () => {
    const lmu = await bucketWithClient('uploads');
    const begin = async (Key: string) => (await lmu.s3.send(new CreateMultipartUploadCommand({ Bucket: lmu.bucket, Key }))).UploadId!;
    const a1 = await begin('lmu/a');
    const a2 = await begin('lmu/a');
    await begin('lmu/b/x');
    await begin('lmu/b/y');
    const c = await begin('lmu/c d');
    await begin('other');

    const all = await lmu.s3.send(new ListMultipartUploadsCommand({ Bucket: lmu.bucket, Prefix: 'lmu/', Delimiter: '/' }));
    expect(all.Uploads!.map((u) => u.Key)).toEqual(['lmu/a', 'lmu/a', 'lmu/c d']);
    expect(new Set(all.Uploads!.slice(0, 2).map((u) => u.UploadId))).toEqual(new Set([a1, a2]));
    expect(all.Uploads![2]!.UploadId).toBe(c);
    expect(all.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['lmu/b/']);
    expect(all.Uploads![0]!.Initiator?.ID).toBe(lmu.credentials.accessKeyId);
    expect(all.IsTruncated).toBe(false);

    const seen: string[] = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (let page = 0; page < 10; page++) {
      const r = await lmu.s3.send(new ListMultipartUploadsCommand({ Bucket: lmu.bucket, Prefix: 'lmu/', Delimiter: '/', MaxUploads: 1, ...markers }));
      seen.push(...(r.Uploads ?? []).map((u) => u.UploadId!), ...(r.CommonPrefixes ?? []).map((p) => p.Prefix!));
      if (!r.IsTruncated) break;
      markers = { KeyMarker: r.NextKeyMarker, UploadIdMarker: r.NextUploadIdMarker || undefined };
    }
    expect(seen).toEqual([all.Uploads![0]!.UploadId, all.Uploads![1]!.UploadId, 'lmu/b/', c]);

    const encoded = await signedFetch(lmu.credentials, 'GET', `/${lmu.bucket}?uploads&prefix=lmu%2Fc&encoding-type=url`);
    expect(await encoded.text()).toContain('<Key>lmu/c%20d</Key>');
    const bad = await signedFetch(lmu.credentials, 'GET', `/${lmu.bucket}?uploads&max-uploads=-5`);
    expect(await errorCode(bad)).toBe('InvalidArgument');
  });
});
