import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { CHECKSUM_ALGORITHMS } from '../../src/core/checksum-names';
import { createHasher, toBase64 } from '../../src/auth/checksums';
import { identify } from '../../src/auth/identify';
import { requestBody, type PayloadMode } from '../../src/auth/payload';
import { signingKey } from '../../src/auth/sigv4';
import { DOC_KEY, expectS3Error, memoryStore, readAll, readText, sha256Hex, streamOf, utf8 } from './auth-fixtures';

describe('checksums', () => {
  // Check values of the CRC catalogue ("123456789") and digests computed independently.
  const CHECK = {
    crc32: 'y/Q5Jg==',
    crc32c: '4waSgw==',
    crc64nvme: 'rosUhgp5mIg=',
    sha1: '98O8HYCOBHMq32eZZczDTKeuNEE=',
    sha256: 'FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=',
    md5: 'JfnnlDI7RTiF9RgfG2JNCw==',
  };

  it.each(Object.entries(CHECK))('%s of "123456789", whole and in pieces', async (algorithm, expected) => {
    for (const pieces of [['123456789'], ['1', '2345', '', '6789'], [...'123456789']]) {
      const hasher = createHasher(algorithm as keyof typeof CHECK);
      for (const piece of pieces) await hasher.update(utf8(piece));
      expect(toBase64(await hasher.digest())).toBe(expected);
    }
  });

  it.each([
    ['crc32', 'l6x89Q=='],
    ['crc64nvme', 'blK+6s9PZyQ='],
  ] as const)('%s over 9472 bytes in uneven pieces (reference values computed bit by bit)', async (algorithm, expected) => {
    const data = new Uint8Array(256 * 37).map((_, i) => i & 0xff);
    for (const size of [1, 7, 8, 13, 4096, data.length]) {
      const hasher = createHasher(algorithm);
      for (let i = 0; i < data.length; i += size) await hasher.update(data.subarray(i, i + size));
      expect(toBase64(await hasher.digest())).toBe(expected);
    }
  });

  it('CRC32C of 65 KiB of "a" is the value of the S3 trailer example (sOO8/Q==)', async () => {
    const hasher = createHasher('crc32c');
    await hasher.update(new Uint8Array(66560).fill(0x61));
    expect(toBase64(await hasher.digest())).toBe('sOO8/Q==');
  });
});

function put(body: string | Uint8Array | null, headers: Record<string, string> = {}): Request {
  return new Request('https://gw.example.test/bucket/key', { method: 'PUT', headers, body });
}

/** Reads a body that is expected to fail; returns the error and how many bytes got through first. */
async function readUntilError(stream: ReadableStream<Uint8Array>): Promise<{ error: unknown; received: number }> {
  let received = 0;
  try {
    for await (const part of stream) received += part.byteLength;
  } catch (error) {
    return { error, received };
  }
  throw new Error(`stream ended without error after ${received} bytes`);
}

const CRC32_OF_HELLO = 'NhCmhg=='; // crc32("hello")

describe('requestBody: x-amz-content-sha256', () => {
  const body = 'a payload whose hash is signed';

  it('passes a matching payload through unchanged, in pieces', async () => {
    const mode: PayloadMode = { kind: 'sha256', hex: await sha256Hex(body) };
    const request = new Request('https://gw.example.test/b/k', { method: 'PUT', body: streamOf(utf8(body), 3), duplex: 'half' } as RequestInit);
    const result = requestBody(request, mode);
    expect(await readText(result.stream)).toBe(body);
    expect(result.failure()).toBeUndefined();
  });

  it('mismatch → XAmzContentSHA256Mismatch; the stream errors before delivering the whole body', async () => {
    const result = requestBody(put(body, { 'content-length': String(body.length) }), { kind: 'sha256', hex: await sha256Hex('something else') });
    const { error, received } = await readUntilError(result.stream);
    expect(result.failure()?.code).toBe('XAmzContentSHA256Mismatch');
    expect(error).toBe(result.failure());
    expect(received).toBeLessThan(body.length);
    expect(result.length).toBe(body.length);
  });
});

describe('requestBody: Content-MD5', () => {
  it('matching Content-MD5 passes', async () => {
    const result = requestBody(put('123456789', { 'content-md5': 'JfnnlDI7RTiF9RgfG2JNCw==' }), { kind: 'unsigned' });
    expect(await readText(result.stream)).toBe('123456789');
  });

  it('mismatch → BadDigest', async () => {
    const result = requestBody(put('123456780', { 'content-md5': 'JfnnlDI7RTiF9RgfG2JNCw==' }), { kind: 'unsigned' });
    const { received } = await readUntilError(result.stream);
    expect(result.failure()?.code).toBe('BadDigest');
    expect(received).toBeLessThan(9);
  });

  it.each(['not base64!', 'AAAA', 'JfnnlDI7RTiF9RgfG2JNCw'])('malformed %j → InvalidDigest, before reading anything', async (md5) => {
    await expectS3Error(Promise.resolve().then(() => requestBody(put('x', { 'content-md5': md5 }), { kind: 'unsigned' })), 'InvalidDigest');
  });
});

describe('requestBody: x-amz-checksum-* headers', () => {
  it.each(CHECKSUM_ALGORITHMS)('x-amz-checksum-%s verified and reported', async (algorithm) => {
    const hasher = createHasher(algorithm);
    await hasher.update(utf8('hello'));
    const value = toBase64(await hasher.digest());
    const result = requestBody(put('hello', { [`x-amz-checksum-${algorithm}`]: value }), { kind: 'unsigned' });
    expect(await readText(result.stream)).toBe('hello');
    expect(result.checksums()).toEqual({ [algorithm]: value });
  });

  it('mismatch → BadDigest', async () => {
    const result = requestBody(put('hellO', { 'x-amz-checksum-crc32': CRC32_OF_HELLO }), { kind: 'unsigned' });
    await readUntilError(result.stream);
    expect(result.failure()?.code).toBe('BadDigest');
    expect(result.checksums()).toEqual({});
  });

  it('malformed value, two checksum headers, unknown SDK algorithm → InvalidRequest', async () => {
    const attempt = (headers: Record<string, string>) => Promise.resolve().then(() => requestBody(put('hello', headers), { kind: 'unsigned' }));
    await expectS3Error(attempt({ 'x-amz-checksum-crc32': 'NhCmhg' }), 'InvalidRequest');
    await expectS3Error(attempt({ 'x-amz-checksum-sha256': CRC32_OF_HELLO }), 'InvalidRequest');
    await expectS3Error(attempt({ 'x-amz-checksum-crc32': CRC32_OF_HELLO, 'x-amz-checksum-crc32c': CRC32_OF_HELLO }), 'InvalidRequest');
    await expectS3Error(attempt({ 'x-amz-sdk-checksum-algorithm': 'MD5' }), 'InvalidRequest');
  });

  it('x-amz-sdk-checksum-algorithm alone: the checksum is computed and reported', async () => {
    const result = requestBody(put('hello', { 'x-amz-sdk-checksum-algorithm': 'CRC32' }), { kind: 'unsigned' });
    await readAll(result.stream);
    expect(result.checksums()).toEqual({ crc32: CRC32_OF_HELLO });
  });
});

describe('requestBody: aws-chunked', () => {
  const unsignedTrailer: PayloadMode = { kind: 'aws-chunked', trailer: true };
  const chunked = (wire: string, headers: Record<string, string> = {}) =>
    put(wire, { 'x-amz-decoded-content-length': '5', 'content-encoding': 'aws-chunked', 'x-amz-trailer': 'x-amz-checksum-crc32', ...headers });

  it('STREAMING-UNSIGNED-PAYLOAD-TRAILER with a correct checksum trailer', async () => {
    const result = requestBody(chunked(`5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${CRC32_OF_HELLO}\r\n\r\n`), unsignedTrailer);
    expect(result.length).toBe(5);
    expect(await readText(result.stream)).toBe('hello');
    expect(result.checksums()).toEqual({ crc32: CRC32_OF_HELLO });
  });

  it('bad trailer checksum → BadDigest, nothing complete delivered', async () => {
    const result = requestBody(chunked('5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'), unsignedTrailer);
    const { received } = await readUntilError(result.stream);
    expect(result.failure()?.code).toBe('BadDigest');
    expect(received).toBeLessThan(5);
  });

  it('declared trailer missing, or malformed → InvalidRequest', async () => {
    for (const wire of ['5\r\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:zz\r\n\r\n']) {
      const result = requestBody(chunked(wire), unsignedTrailer);
      await readUntilError(result.stream);
      expect(result.failure()?.code).toBe('InvalidRequest');
    }
  });

  it('wrong decoded length → IncompleteBody recorded as the failure', async () => {
    const result = requestBody(chunked(`5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${CRC32_OF_HELLO}\r\n\r\n`, { 'x-amz-decoded-content-length': '6' }), unsignedTrailer);
    await readUntilError(result.stream);
    expect(result.failure()?.code).toBe('IncompleteBody');
  });

  it('missing x-amz-decoded-content-length → MissingContentLength; unknown trailer → InvalidRequest', async () => {
    const missing = put('0\r\n\r\n', { 'content-encoding': 'aws-chunked' });
    await expectS3Error(Promise.resolve().then(() => requestBody(missing, unsignedTrailer)), 'MissingContentLength');
    await expectS3Error(Promise.resolve().then(() => requestBody(chunked('0\r\n\r\n', { 'x-amz-trailer': 'x-amz-checksum-md5' }), unsignedTrailer)), 'InvalidRequest');
  });

  it('signed trailer example of the S3 docs: CRC32C trailer verified and reported', async () => {
    const a = new Uint8Array(66560).fill(0x61);
    const wire = new Uint8Array([
      ...utf8('10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n'),
      ...a.subarray(0, 65536),
      ...utf8('\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n'),
      ...a.subarray(65536),
      ...utf8('\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n'),
      ...utf8('x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n'),
    ]);
    const request = put(wire, { 'x-amz-decoded-content-length': '66560', 'x-amz-trailer': 'x-amz-checksum-crc32c' });
    const signing = {
      signingKey: await signingKey(DOC_KEY.secretAccessKey, '20130524', 'us-east-1', 's3'),
      datetime: '20130524T000000Z',
      scope: '20130524/us-east-1/s3/aws4_request',
      seedSignature: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
    };
    const result = requestBody(request, { kind: 'aws-chunked', trailer: true, signing });
    expect(await readAll(result.stream)).toEqual(a);
    expect(result.checksums()).toEqual({ crc32c: 'sOO8/Q==' });
  });
});

/** The AWS SDK for JavaScript as an independent client: its requests are captured and fed to identify(). */
describe('requests from @aws-sdk/client-s3', () => {
  const key = { accessKeyId: 'AKSDKPAYLOADTEST0001', secretAccessKey: 'sdk-payload-test-secret/0123456789' };

  function capturingClient(captured: Request[]): S3Client {
    return new S3Client({
      region: 'us-east-1',
      endpoint: 'http://gw.example.test',
      forcePathStyle: true,
      credentials: key,
      requestHandler: {
        async handle(httpRequest: { method: string; protocol: string; hostname: string; port?: number; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }) {
          const query = Object.entries(httpRequest.query ?? {})
            .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => (x === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(x)}`)))
            .join('&');
          const url = `${httpRequest.protocol}//${httpRequest.hostname}${httpRequest.port ? ':' + httpRequest.port : ''}${httpRequest.path}${query ? '?' + query : ''}`;
          // The SDK's aws-chunked encoder yields strings for the framing; fetch would send them as UTF-8.
          const body =
            httpRequest.body instanceof ReadableStream
              ? httpRequest.body.pipeThrough(new TransformStream<string | Uint8Array, Uint8Array>({ transform: (c, out) => out.enqueue(typeof c === 'string' ? utf8(c) : c) }))
              : (httpRequest.body as BodyInit);
          captured.push(new Request(url, { method: httpRequest.method, headers: httpRequest.headers, body, duplex: 'half' } as RequestInit));
          return { response: { statusCode: 200, headers: { etag: '"0"' }, body: new ReadableStream({ start: (c) => c.close() }) } };
        },
      } as never,
    });
  }

  const text = 'sdk body '.repeat(1000);
  const identifyCaptured = (request: Request) => identify(request, new URL(request.url).pathname, memoryStore(key), { now: new Date(), region: 'auto' });

  it('PutObject with a byte array: signed payload hash and x-amz-checksum-crc32 header verified', async () => {
    const captured: Request[] = [];
    await capturingClient(captured).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'dir/sdk object.txt', Body: utf8(text), ChecksumAlgorithm: 'CRC32' }));
    expect(captured[0]!.headers.get('x-amz-content-sha256')).toMatch(/^[0-9a-f]{64}$/);
    const identity = await identifyCaptured(captured[0]!);
    expect(await readText(identity.body!.stream)).toBe(text);
    expect(identity.body!.checksums()).toEqual({ crc32: 'Ldl8wA==' });
  });

  it('PutObject with a stream: STREAMING-UNSIGNED-PAYLOAD-TRAILER framing decoded, the CRC32 trailer checked', async () => {
    const captured: Request[] = [];
    // String chunks: the SDK's web-stream encoder interpolates each chunk into a string, so bytes would arrive as "115,100,…".
    const body = new Blob([text]).stream().pipeThrough(new TextDecoderStream());
    await capturingClient(captured).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'streamed.txt', Body: body, ContentLength: text.length, ChecksumAlgorithm: 'CRC32' }));
    const request = captured[0]!;
    expect(request.headers.get('x-amz-content-sha256')).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    const wire = await request.text();
    // In a browser-like runtime the SDK's stream hasher sees no bytes and sends crc32("") = AAAAAA==: a wrong trailer, which must fail…
    expect(wire).toContain('\r\nx-amz-checksum-crc32:AAAAAA==\r\n');
    const asSent = await identifyCaptured(new Request(request, { body: wire }));
    await readUntilError(asSent.body!.stream);
    expect(asSent.body!.failure()?.code).toBe('BadDigest');
    // …and with the correct CRC32 in the (unsigned) trailer the same signed request goes through.
    const corrected = await identifyCaptured(new Request(request, { body: wire.replace('crc32:AAAAAA==', 'crc32:Ldl8wA==') }));
    expect(await readText(corrected.body!.stream)).toBe(text);
    expect(corrected.body!.checksums()).toEqual({ crc32: 'Ldl8wA==' });
  });
});
