import { describe, expect, it } from 'vitest';
import { awsChunkedDecoder, type ChunkSigning } from '../../src/auth/chunked';
import { identify } from '../../src/auth/identify';
import { signingKey } from '../../src/auth/sigv4';
import { deriveSigningKey, DOC_KEY, DOC_TIME, expectS3Error, hex, hmacSha256, memoryStore, readAll, sha256Hex, streamOf, utf8 } from './auth-fixtures';
import { concatBytes } from '../support/bytes';

/**
 * The S3 documentation's chunked-upload examples: 65 KiB of 'a' sent as a 64 KiB chunk, a 1 KiB
 * chunk and the final empty chunk, signed with the documentation's example key.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
 */
const DATETIME = '20130524T000000Z';
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const DECODED = 66560;
const payload = new Uint8Array(DECODED).fill(0x61);

const DOC_CHUNKS = {
  seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  signatures: [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ],
};
const DOC_TRAILER_CHUNKS = {
  seed: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
  signatures: [
    'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
    '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
    '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
  ],
  trailer: 'x-amz-checksum-crc32c:sOO8/Q==',
  trailerSignature: 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435',
};

function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  return concatBytes(parts.map((p) => (typeof p === 'string' ? utf8(p) : p)));
}

function docBody(signatures: string[], tail = '\r\n'): Uint8Array {
  return concat(
    `10000;chunk-signature=${signatures[0]}\r\n`,
    payload.subarray(0, 65536),
    `\r\n400;chunk-signature=${signatures[1]}\r\n`,
    payload.subarray(65536),
    `\r\n0;chunk-signature=${signatures[2]}\r\n`,
    tail,
  );
}

async function docSigning(seed: string): Promise<ChunkSigning> {
  return { signingKey: await signingKey(DOC_KEY.secretAccessKey, '20130524', 'us-east-1', 's3'), datetime: DATETIME, scope: SCOPE, seedSignature: seed };
}

async function decode(body: Uint8Array, options: Parameters<typeof awsChunkedDecoder>[0], pieceSize?: number): Promise<Uint8Array> {
  return readAll(streamOf(body, pieceSize).pipeThrough(awsChunkedDecoder(options)));
}

describe('STREAMING-AWS4-HMAC-SHA256-PAYLOAD (documentation example)', () => {
  it('verifies the documented chunk signature chain and yields the payload', async () => {
    const out = await decode(docBody(DOC_CHUNKS.signatures), { decodedLength: DECODED, trailer: false, signing: await docSigning(DOC_CHUNKS.seed) });
    expect(out).toEqual(payload);
  });

  it.each([7, 83, 4093, 65537])('survives arbitrary read boundaries (pieces of %i bytes)', async (size) => {
    const out = await decode(docBody(DOC_CHUNKS.signatures), { decodedLength: DECODED, trailer: false, signing: await docSigning(DOC_CHUNKS.seed) }, size);
    expect(out).toEqual(payload);
  });

  it('verifies end to end through identify(), seeded by the documented Authorization header', async () => {
    const request = new Request('https://s3.amazonaws.com/examplebucket/chunkObject.txt', {
      method: 'PUT',
      headers: {
        host: 's3.amazonaws.com',
        'x-amz-date': DATETIME,
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(DECODED),
        'content-length': '66824',
        authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${DOC_CHUNKS.seed}`,
      },
      body: streamOf(docBody(DOC_CHUNKS.signatures), 1000),
      duplex: 'half',
    } as RequestInit);
    const identity = await identify(request, '/examplebucket/chunkObject.txt', memoryStore(DOC_KEY), { now: DOC_TIME, region: 'us-east-1' });
    expect(identity.body!.length).toBe(DECODED);
    expect(await readAll(identity.body!.stream)).toEqual(payload);
    expect(identity.body!.failure()).toBeUndefined();
  });

  it('rejects a tampered data byte (SignatureDoesNotMatch), byte by byte too', async () => {
    const body = docBody(DOC_CHUNKS.signatures);
    body[66_000] = 0x62; // inside the second chunk's data
    for (const size of [undefined, 13]) {
      await expectS3Error(decode(body, { decodedLength: DECODED, trailer: false, signing: await docSigning(DOC_CHUNKS.seed) }, size), 'SignatureDoesNotMatch');
    }
  });

  it('rejects a tampered chunk signature', async () => {
    const signatures = [...DOC_CHUNKS.signatures];
    signatures[1] = signatures[1]!.replace(/^0/, '1');
    await expectS3Error(decode(docBody(signatures), { decodedLength: DECODED, trailer: false, signing: await docSigning(DOC_CHUNKS.seed) }), 'SignatureDoesNotMatch');
  });

  it('rejects a chain seeded by another request signature', async () => {
    await expectS3Error(decode(docBody(DOC_CHUNKS.signatures), { decodedLength: DECODED, trailer: false, signing: await docSigning(DOC_TRAILER_CHUNKS.seed) }), 'SignatureDoesNotMatch');
  });

  it('rejects chunks replayed out of order', async () => {
    const reordered = concat(
      `400;chunk-signature=${DOC_CHUNKS.signatures[1]}\r\n`,
      payload.subarray(65536),
      `\r\n10000;chunk-signature=${DOC_CHUNKS.signatures[0]}\r\n`,
      payload.subarray(0, 65536),
      `\r\n0;chunk-signature=${DOC_CHUNKS.signatures[2]}\r\n\r\n`,
    );
    await expectS3Error(decode(reordered, { decodedLength: DECODED, trailer: false, signing: await docSigning(DOC_CHUNKS.seed) }), 'SignatureDoesNotMatch');
  });

  it('rejects a chunk without a signature', async () => {
    const body = concat('5\r\nhello\r\n0\r\n\r\n');
    await expectS3Error(decode(body, { decodedLength: 5, trailer: false, signing: await docSigning(DOC_CHUNKS.seed) }), 'SignatureDoesNotMatch');
  });

  it('requires the final empty chunk (IncompleteBody when the body stops after the data)', async () => {
    const full = docBody(DOC_CHUNKS.signatures);
    const truncated = full.subarray(0, full.length - `0;chunk-signature=${DOC_CHUNKS.signatures[2]}\r\n\r\n`.length);
    await expectS3Error(decode(truncated, { decodedLength: DECODED, trailer: false, signing: await docSigning(DOC_CHUNKS.seed) }), 'IncompleteBody');
    await expectS3Error(decode(full.subarray(0, 30_000), { decodedLength: DECODED, trailer: false, signing: await docSigning(DOC_CHUNKS.seed) }), 'IncompleteBody');
  });

  it('rejects a decoded length that differs from x-amz-decoded-content-length', async () => {
    const signing = await docSigning(DOC_CHUNKS.seed);
    await expectS3Error(decode(docBody(DOC_CHUNKS.signatures), { decodedLength: DECODED + 1, trailer: false, signing }), 'IncompleteBody');
    await expectS3Error(decode(docBody(DOC_CHUNKS.signatures), { decodedLength: DECODED - 1, trailer: false, signing }), 'IncompleteBody');
  });

  it('bounds chunk header lines (no unbounded buffering of a header that never ends)', async () => {
    const endless = utf8('1' + '0'.repeat(5000));
    await expectS3Error(decode(endless, { decodedLength: 1, trailer: false }, 100), 'InvalidRequest');
    await expectS3Error(decode(utf8('zz\r\nhello\r\n0\r\n\r\n'), { decodedLength: 5, trailer: false }), 'InvalidRequest');
    await expectS3Error(decode(utf8('5\r\nhello!!\r\n0\r\n\r\n'), { decodedLength: 5, trailer: false }), 'InvalidRequest');
    await expectS3Error(decode(utf8('5\nhello\r\n0\r\n\r\n'), { decodedLength: 5, trailer: false }), 'InvalidRequest');
  });
});

describe('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (documentation example)', () => {
  const body = (trailerSignature = DOC_TRAILER_CHUNKS.trailerSignature, trailer = DOC_TRAILER_CHUNKS.trailer) =>
    docBody(DOC_TRAILER_CHUNKS.signatures, `${trailer}\r\nx-amz-trailer-signature:${trailerSignature}\r\n\r\n`);

  it('verifies chunk and trailer signatures and hands over the trailers', async () => {
    for (const size of [undefined, 3, 61]) {
      let trailers: Map<string, string> | undefined;
      const out = await decode(body(), { decodedLength: DECODED, trailer: true, signing: await docSigning(DOC_TRAILER_CHUNKS.seed), onTrailers: (t) => (trailers = t) }, size);
      expect(out).toEqual(payload);
      expect(trailers).toEqual(new Map([['x-amz-checksum-crc32c', 'sOO8/Q==']]));
    }
  });

  it('rejects a tampered trailer signature, a tampered trailer value, and a missing trailer signature', async () => {
    const signing = await docSigning(DOC_TRAILER_CHUNKS.seed);
    const tamperedSignature = body(DOC_TRAILER_CHUNKS.trailerSignature.replace(/^d8/, 'd9'));
    await expectS3Error(decode(tamperedSignature, { decodedLength: DECODED, trailer: true, signing }), 'SignatureDoesNotMatch');
    const tamperedValue = body(undefined, 'x-amz-checksum-crc32c:AAAAAA==');
    await expectS3Error(decode(tamperedValue, { decodedLength: DECODED, trailer: true, signing }), 'SignatureDoesNotMatch');
    const unsigned = docBody(DOC_TRAILER_CHUNKS.signatures, `${DOC_TRAILER_CHUNKS.trailer}\r\n\r\n`);
    await expectS3Error(decode(unsigned, { decodedLength: DECODED, trailer: true, signing }), 'SignatureDoesNotMatch');
  });

  it('accepts the trailer block without its closing CRLFs', async () => {
    const bare = docBody(DOC_TRAILER_CHUNKS.signatures, `${DOC_TRAILER_CHUNKS.trailer}\r\nx-amz-trailer-signature:${DOC_TRAILER_CHUNKS.trailerSignature}`);
    const out = await decode(bare, { decodedLength: DECODED, trailer: true, signing: await docSigning(DOC_TRAILER_CHUNKS.seed) });
    expect(out.length).toBe(DECODED);
  });
});

/** A signed aws-chunked encoder written from the documentation, independent of src/ (HMACs via WebCrypto directly). */
async function encodeSigned(seed: string, chunks: string[], trailers: [string, string][]): Promise<Uint8Array> {
  const key = await deriveSigningKey(DOC_KEY.secretAccessKey, '20130524', 'us-east-1');
  const empty = await sha256Hex('');
  let previous = seed;
  let wire = '';
  for (const data of [...chunks, '']) {
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', DATETIME, SCOPE, previous, empty, await sha256Hex(data)].join('\n');
    previous = hex(await hmacSha256(key, toSign));
    wire += `${utf8(data).length.toString(16)};chunk-signature=${previous}\r\n` + (data === '' ? '' : `${data}\r\n`);
  }
  const canonical = trailers.map(([n, v]) => `${n}:${v}\n`).join('');
  const trailerSignature = hex(await hmacSha256(key, ['AWS4-HMAC-SHA256-TRAILER', DATETIME, SCOPE, previous, await sha256Hex(canonical)].join('\n')));
  return utf8(wire + trailers.map(([n, v]) => `${n}:${v}\r\n`).join('') + `x-amz-trailer-signature:${trailerSignature}\r\n\r\n`);
}

describe('signed chunks and trailer fed byte by byte', () => {
  it('decodes and verifies every chunk and the trailer whatever the read boundaries', async () => {
    const seed = 'a'.repeat(64);
    const chunks = ['first chunk\r\n with a CRLF inside', 'ü-second', '3'];
    const body = await encodeSigned(seed, chunks, [['x-amz-checksum-crc32', 'AAAAAA==']]);
    for (const size of [1, 2, 5]) {
      let trailers: Map<string, string> | undefined;
      const out = await decode(body, { decodedLength: utf8(chunks.join('')).length, trailer: true, signing: await docSigning(seed), onTrailers: (t) => (trailers = t) }, size);
      expect(new TextDecoder().decode(out)).toBe(chunks.join(''));
      expect(trailers?.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
    }
  });

  it('rejects one flipped bit anywhere in the data, byte by byte', async () => {
    const seed = 'b'.repeat(64);
    const body = await encodeSigned(seed, ['0123456789', 'abcdefghij'], []);
    body[new TextDecoder().decode(body).indexOf('abcdefghij') + 4]! ^= 1;
    await expectS3Error(decode(body, { decodedLength: 20, trailer: true, signing: await docSigning(seed) }, 1), 'SignatureDoesNotMatch');
  });
});

describe('STREAMING-UNSIGNED-PAYLOAD-TRAILER framing', () => {
  it('decodes unsigned chunks and trailers', async () => {
    const body = utf8('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
    let trailers: Map<string, string> | undefined;
    const out = await decode(body, { decodedLength: 11, trailer: true, onTrailers: (t) => (trailers = t) }, 3);
    expect(new TextDecoder().decode(out)).toBe('hello world');
    expect(trailers?.get('x-amz-checksum-crc32')).toBe('DUoRhQ==');
  });

  it('rejects data after the end of the body', async () => {
    await expectS3Error(decode(utf8('5\r\nhello\r\n0\r\n\r\nextra'), { decodedLength: 5, trailer: true }), 'InvalidRequest');
  });

  it('is consistent with a chunk hash computed independently', async () => {
    // Guards the fixture: the documented 64 KiB chunk is 'a' * 65536.
    expect(await sha256Hex(payload.subarray(0, 65536))).toBe('bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a');
  });
});
