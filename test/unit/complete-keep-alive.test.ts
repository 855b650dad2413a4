import { describe, expect, it } from 'vitest';
import { S3Error } from '../../src/core/s3-error';
import { deferredOutcome } from '../../src/s3/deferred-outcome';
import { keepAliveIntervalMs, keepAliveResponse, KEEP_ALIVE_INTERVAL_MS } from '../../src/s3/handlers/complete-keep-alive';
import { StorageError } from '../../src/storage/errors';

/**
 * The keep-alive answer of a lengthy CompleteMultipartUpload (issue 9, adrs/0015): 200 and the XML
 * declaration at once, spaces while the work runs, then the result — or S3's <Error> document in
 * the same 200 body. The work here is a promise the test settles only after it has seen the
 * whitespace, so nothing depends on timing.
 */

const RESULT = { CompleteMultipartUploadResult: { Bucket: 'b', Key: 'k', ETag: '"abc-2"' } };

function controlled<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function answer(work: () => Promise<Record<string, unknown>>, intervalMs = 1) {
  const pending: Promise<unknown>[] = [];
  const response = keepAliveResponse(work, { intervalMs, resource: '/b/k', requestId: 'REQ1', waitUntil: (p) => pending.push(p) });
  return { response, pending };
}

/** Reads until `until` holds for the text so far, then returns the reader and the text. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: (text: string) => boolean, text = ''): Promise<string> {
  const decoder = new TextDecoder();
  while (!until(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  return text;
}

describe('keepAliveResponse', () => {
  it('answers 200 at once, sends spaces while the work runs, then the result document', async () => {
    const work = controlled<Record<string, unknown>>();
    const { response, pending } = answer(() => work.promise);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/xml');
    const reader = response.body!.getReader();
    const before = await readUntil(reader, (t) => /\?>\n {2,}$/.test(t));
    expect(before).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n {2,}$/);
    work.resolve(RESULT);
    const text = await readUntil(reader, () => false, before);
    expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n +<CompleteMultipartUploadResult><Bucket>b<\/Bucket><Key>k<\/Key><ETag>&quot;abc-2&quot;<\/ETag><\/CompleteMultipartUploadResult>$/);
    expect(await deferredOutcome(response)).toBeNull();
    await Promise.all(pending);
  });

  it('a failure after the 200 is an S3 <Error> document in that body, with the code, resource and request id', async () => {
    const work = controlled<Record<string, unknown>>();
    const { response } = answer(() => work.promise);
    const reader = response.body!.getReader();
    const before = await readUntil(reader, (t) => t.endsWith(' '));
    work.reject(new S3Error('InvalidPart', 'One or more of the specified parts could not be found.', { PartNumber: '1' }));
    const text = await readUntil(reader, () => false, before);
    expect(response.status).toBe(200);
    expect(text).toMatch(/\?>\n +<Error><Code>InvalidPart<\/Code><Message>[^<]+<\/Message><PartNumber>1<\/PartNumber><Resource>\/b\/k<\/Resource><RequestId>REQ1<\/RequestId><\/Error>$/);
    expect((await deferredOutcome(response))?.code).toBe('InvalidPart');
  });

  it("maps a storage failure through the one mapping, and never sends an unexpected failure's text", async () => {
    const storage = answer(() => Promise.reject(new StorageError('unavailable')));
    expect(await storage.response.text()).toContain('<Code>ServiceUnavailable</Code>');
    expect((await deferredOutcome(storage.response))?.code).toBe('ServiceUnavailable');

    const unexpected = answer(() => Promise.reject(new Error('secret upstream host dav.internal:8080')));
    const text = await unexpected.response.text();
    expect(text).toContain('<Code>InternalError</Code>');
    expect(text).not.toContain('dav.internal');
  });

  it('sends no whitespace when the work ends within the interval', async () => {
    const { response } = answer(() => Promise.resolve(RESULT), 60_000);
    expect(await response.text()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<CompleteMultipartUploadResult>/);
  });

  it('the work runs to its end under waitUntil when the client goes away', async () => {
    const work = controlled<Record<string, unknown>>();
    const { response, pending } = answer(() => work.promise);
    await response.body!.cancel();
    work.resolve(RESULT);
    await Promise.all(pending);
    expect(await deferredOutcome(response)).toBeNull();
  });

  it('COMPLETE_KEEP_ALIVE_MS sets the interval; anything but a positive number keeps the default', () => {
    expect(keepAliveIntervalMs({ COMPLETE_KEEP_ALIVE_MS: '250' })).toBe(250);
    expect(keepAliveIntervalMs({})).toBe(KEEP_ALIVE_INTERVAL_MS);
    expect(keepAliveIntervalMs({ COMPLETE_KEEP_ALIVE_MS: '0' })).toBe(KEEP_ALIVE_INTERVAL_MS);
    expect(keepAliveIntervalMs({ COMPLETE_KEEP_ALIVE_MS: 'soon' })).toBe(KEEP_ALIVE_INTERVAL_MS);
  });
});
