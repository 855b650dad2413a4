import { AwsClient } from 'aws4fetch';
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import '../storage/contract/provided';
import { createApp } from '../../src/app';
import { requestLog } from '../../src/hooks/request-log';
import { admin, uniqueBucketName } from './admin-client';
import { createAccessKey } from './helpers/fixtures';
import { completeXml, MiB, patternBytes, type SentPart } from './helpers/multipart';

/**
 * CompleteMultipartUpload on a store whose completion is lengthy (issue 9, adrs/0015): a bucket on
 * Apache mod_dav, where the gateway assembles the staged parts into one PUT. With the keep-alive
 * interval at 1 ms (COMPLETE_KEEP_ALIVE_MS), the assembly always outlasts it: the client gets 200,
 * spaces, then the result — or an <Error> in that 200 when the store fails after it was sent.
 * Refusals decided before the store works keep their own status.
 */

const STAGING = '.bucketgate-uploads';
const fast = { ...env, COMPLETE_KEEP_ALIVE_MS: '1' };

interface Sent {
  response: Response;
  body: string;
  /** The request log lines the Worker wrote for it. */
  lines: Record<string, unknown>[];
}

async function send(request: Request): Promise<Sent> {
  const raw: string[] = [];
  const app = createApp({ hooks: [requestLog((line) => raw.push(line))] });
  const ctx = createExecutionContext();
  const response = await app.fetch(request, fast, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, body, lines: raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('CompleteMultipartUpload keep-alive on a WebDAV bucket (Apache mod_dav)', () => {
  const dav = () => inject('apacheDav');
  let bucket: string;
  let signer: AwsClient;

  const call = async (method: string, path: string, body?: Uint8Array | string): Promise<Sent> => {
    const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? new TextEncoder().encode(body).byteLength : body.byteLength);
    return send(await signer.sign(`https://gateway.test/${bucket}/${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }));
  };

  async function uploadWithParts(key: string, parts: Uint8Array[]): Promise<{ uploadId: string; sent: SentPart[] }> {
    const created = await call('POST', `${key}?uploads`);
    expect(created.response.status, created.body).toBe(200);
    const uploadId = /<UploadId>([^<]+)</.exec(created.body)![1]!;
    const sent: SentPart[] = [];
    for (const [i, part] of parts.entries()) {
      const r = await call('PUT', `${key}?partNumber=${i + 1}&uploadId=${encodeURIComponent(uploadId)}`, part);
      expect(r.response.status, r.body).toBe(200);
      sent.push({ PartNumber: i + 1, ETag: r.response.headers.get('etag')! });
    }
    return { uploadId, sent };
  }

  const complete = (key: string, uploadId: string, parts: SentPart[]) => call('POST', `${key}?uploadId=${encodeURIComponent(uploadId)}`, completeXml(parts));

  beforeAll(async () => {
    const server = dav();
    const name = uniqueBucketName('keepalive');
    const connection = await admin('POST', '/connections', {
      kind: 'webdav',
      name,
      baseUrl: server.url,
      flavor: 'generic',
      auth: { mode: 'basic', username: server.username, password: server.password },
    });
    expect(connection.status, connection.text).toBe(201);
    const created = await admin('POST', '/buckets', { name, backend: { type: 'webdav', connection: connection.json.id, prefix: `${name}/` } });
    expect(created.status, created.text).toBe(201);
    bucket = name;
    const credentials = await createAccessKey([{ effect: 'allow', actions: ['s3:*'], resources: [bucket, `${bucket}/*`] }]);
    signer = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
  });

  it('answers 200, whitespace while the parts are assembled, then the result; the object and the retry window are there', async () => {
    const parts = [patternBytes(5 * MiB, 1), patternBytes(1000, 2)];
    const { uploadId, sent } = await uploadWithParts('assembled', parts);
    const done = await complete('assembled', uploadId, sent);
    expect(done.response.status).toBe(200);
    expect(done.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n +<CompleteMultipartUploadResult xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/">/);
    const etag = /<ETag>&quot;([0-9a-f]{32}-2)&quot;<\/ETag>/.exec(done.body)?.[1];
    expect(etag).toBeDefined();
    expect(done.lines).toHaveLength(1);
    expect(done.lines[0]).toMatchObject({ operation: 'CompleteMultipartUpload', status: 200 });
    expect(done.lines[0]!.errorCode).toBeUndefined();

    const head = await call('HEAD', 'assembled');
    expect(head.response.status).toBe(200);
    expect(head.response.headers.get('content-length')).toBe(String(5 * MiB + 1000));
    expect(head.response.headers.get('etag')).toBe(`"${etag}"`);
    // The completion was recorded: a retried Complete gets the same result.
    const retried = await complete('assembled', uploadId, sent);
    expect(retried.response.status).toBe(200);
    expect(retried.body).toContain(`<ETag>&quot;${etag}&quot;</ETag>`);
  });

  it('a store failure after the 200 is an <Error> in that body, logged with its code; the upload stays in progress', async () => {
    const parts = [patternBytes(5 * MiB, 3), patternBytes(10, 4)];
    const { uploadId, sent } = await uploadWithParts('fails-late', parts);
    // The staged record of part 2 disappears behind the gateway's back: the ledger still lists it
    // (so the gateway's own checks pass), the store's assembly does not find it.
    const server = dav();
    const record = `${server.url.replace(/\/$/, '')}/${STAGING}/${uploadId}/00002.part`;
    const removed = await fetch(record, { method: 'DELETE', headers: { authorization: `Basic ${btoa(`${server.username}:${server.password}`)}` } });
    expect(removed.status).toBe(204);

    const failed = await complete('fails-late', uploadId, sent);
    expect(failed.response.status).toBe(200);
    expect(failed.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n *<Error><Code>InvalidPart<\/Code>/);
    expect(failed.body).toContain(`<Resource>/${bucket}/fails-late</Resource>`);
    expect(failed.lines[0]).toMatchObject({ operation: 'CompleteMultipartUpload', status: 200, errorCode: 'InvalidPart' });
    expect((await call('HEAD', 'fails-late')).response.status).toBe(404);
    const listed = await call('GET', `fails-late?uploadId=${encodeURIComponent(uploadId)}`);
    expect(listed.response.status).toBe(200);
    // Nothing was recorded as completed: a retry is not answered from the ledger.
    const again = await complete('fails-late', uploadId, sent);
    expect(again.body).toContain('<Code>InvalidPart</Code>');
  });

  it('refusals decided before the store works keep their status: MalformedXML, InvalidPartOrder, InvalidPart, NoSuchUpload', async () => {
    const { uploadId, sent } = await uploadWithParts('refused', [patternBytes(5 * MiB, 5), patternBytes(10, 6)]);
    const path = `refused?uploadId=${encodeURIComponent(uploadId)}`;
    const malformed = await call('POST', path, '<CompleteMultipartUpload>');
    expect([malformed.response.status, /<Code>([^<]+)/.exec(malformed.body)?.[1]]).toEqual([400, 'MalformedXML']);
    const order = await complete('refused', uploadId, [sent[1]!, sent[0]!]);
    expect([order.response.status, /<Code>([^<]+)/.exec(order.body)?.[1]]).toEqual([400, 'InvalidPartOrder']);
    const wrongEtag = await complete('refused', uploadId, [sent[0]!, { PartNumber: 2, ETag: '"0123456789abcdef0123456789abcdef"' }]);
    expect([wrongEtag.response.status, /<Code>([^<]+)/.exec(wrongEtag.body)?.[1]]).toEqual([400, 'InvalidPart']);
    const unknown = await complete('refused', 'no-such-upload-id', sent);
    expect([unknown.response.status, /<Code>([^<]+)/.exec(unknown.body)?.[1]]).toEqual([404, 'NoSuchUpload']);
    expect(unknown.lines[0]).toMatchObject({ status: 404, errorCode: 'NoSuchUpload' });
  });
});
