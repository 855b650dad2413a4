import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import { identify } from '../../src/auth/identify';
import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUriCandidates,
  hmacHex,
  signingKey,
  stringToSign,
  type SignedRequest,
} from '../../src/auth/sigv4';
import { DOC_KEY, DOC_TIME, memoryStore, readText, sha256Hex } from './auth-fixtures';

/**
 * The AWS SigV4 test suite (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html):
 * service "service", us-east-1, 20150830T123600Z. Expected values are the published .authz/.creq/.sts.
 */
const SUITE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SUITE_SCOPE = '20150830/us-east-1/service/aws4_request';
const SUITE_DATE = '20150830T123600Z';

interface SuiteVector {
  name: string;
  method: string;
  /** Request target as written in the .req file (path and query, possibly raw unicode or spaces). */
  target: string;
  headers?: Record<string, string>;
  body?: string;
  signedHeaders: string;
  signature: string;
  creq?: string;
  stsHash?: string;
}

const SUITE: SuiteVector[] = [
  {
    name: 'get-vanilla',
    method: 'GET',
    target: '/',
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    creq: 'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    stsHash: 'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
  },
  { name: 'get-vanilla-query-order-key-case', method: 'GET', target: '/?Param2=value2&Param1=value1', signedHeaders: 'host;x-amz-date', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
  {
    name: 'get-vanilla-query-order-key',
    method: 'GET',
    target: '/?Param1=value2&Param1=Value1',
    signedHeaders: 'host;x-amz-date',
    signature: 'eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1',
    creq: 'GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    stsHash: '704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89',
  },
  { name: 'get-vanilla-query-order-value', method: 'GET', target: '/?Param1=value2&Param1=value1', signedHeaders: 'host;x-amz-date', signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694' },
  { name: 'get-vanilla-empty-query-key', method: 'GET', target: '/?Param1=value1', signedHeaders: 'host;x-amz-date', signature: 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb' },
  {
    name: 'get-vanilla-query-unreserved',
    method: 'GET',
    target: '/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    signedHeaders: 'host;x-amz-date',
    signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  },
  { name: 'get-vanilla-utf8-query', method: 'GET', target: '/?ሴ=bar', signedHeaders: 'host;x-amz-date', signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
  { name: 'get-unreserved', method: 'GET', target: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', signedHeaders: 'host;x-amz-date', signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f' },
  { name: 'get-utf8', method: 'GET', target: '/ሴ', signedHeaders: 'host;x-amz-date', signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
  { name: 'get-space', method: 'GET', target: '/example space/', signedHeaders: 'host;x-amz-date', signature: '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741' },
  {
    name: 'get-header-value-trim',
    method: 'GET',
    target: '/',
    headers: { 'My-Header1': ' value1', 'My-Header2': ' "a   b   c"' },
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  { name: 'post-header-key-sort', method: 'POST', target: '/', headers: { 'My-Header1': 'value1' }, signedHeaders: 'host;my-header1;x-amz-date', signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c' },
  { name: 'post-header-value-case', method: 'POST', target: '/', headers: { 'My-Header1': 'VALUE1' }, signedHeaders: 'host;my-header1;x-amz-date', signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d' },
  { name: 'post-vanilla-empty-query-value', method: 'POST', target: '/?Param1=value1', signedHeaders: 'host;x-amz-date', signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11' },
  {
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    target: '/',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'Param1=value1',
    signedHeaders: 'content-type;host;x-amz-date',
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    creq: 'POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    stsHash: '42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281',
  },
  {
    name: 'post-sts-header-before',
    method: 'POST',
    target: '/',
    headers: {
      'X-Amz-Security-Token':
        'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==',
    },
    signedHeaders: 'host;x-amz-date;x-amz-security-token',
    signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
  },
];

describe('AWS SigV4 test suite', () => {
  it.each(SUITE)('$name', async (v) => {
    // The URL parser stands in for the wire: it percent-encodes what the .req file writes raw, as an HTTP client must.
    const url = new URL('https://example.amazonaws.com' + v.target);
    const request: SignedRequest = {
      method: v.method,
      rawPath: url.pathname,
      rawQuery: url.search.slice(1),
      headers: new Headers({ host: 'example.amazonaws.com', 'x-amz-date': SUITE_DATE, ...v.headers }),
      host: url.host,
    };
    const [uri] = canonicalUriCandidates(request.rawPath);
    const canonical = canonicalRequest(request, uri!, canonicalQueryString(request.rawQuery), v.signedHeaders.split(';'), await sha256Hex(v.body ?? ''));
    if (v.creq) expect(canonical).toBe(v.creq);
    const toSign = await stringToSign(SUITE_DATE, SUITE_SCOPE, canonical);
    if (v.stsHash) expect(toSign).toBe(`AWS4-HMAC-SHA256\n${SUITE_DATE}\n${SUITE_SCOPE}\n${v.stsHash}`);
    const key = await signingKey(SUITE_SECRET, '20150830', 'us-east-1', 'service');
    expect(await hmacHex(key, toSign)).toBe(v.signature);
  });
});

/** The S3 documentation's worked examples, verified end to end by identify(). */
describe('S3 documentation examples (Authorization header)', () => {
  const store = memoryStore(DOC_KEY);
  const options = { now: DOC_TIME, region: 'auto' };
  const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const auth = (signedHeaders: string, signature: string) =>
    `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${signature}`;

  it('GET Object with Range', async () => {
    const request = new Request('https://examplebucket.s3.amazonaws.com/test.txt', {
      headers: {
        range: 'bytes=0-9',
        'x-amz-content-sha256': EMPTY,
        'x-amz-date': '20130524T000000Z',
        authorization: auth('host;range;x-amz-content-sha256;x-amz-date', 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
      },
    });
    const identity = await identify(request, '/test.txt', store, options);
    expect(identity.principal).toMatchObject({ kind: 'access-key', accessKeyId: DOC_KEY.accessKeyId });
    expect(identity.body).toBeNull();
  });

  it('PUT Object: a raw `$` in the path is signed as %24, and the payload hash is verified', async () => {
    const request = new Request('https://examplebucket.s3.amazonaws.com/test$file.text', {
      method: 'PUT',
      headers: {
        date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
        authorization: auth('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
      },
      body: 'Welcome to Amazon S3.',
    });
    const identity = await identify(request, new URL(request.url).pathname, store, options);
    expect(await readText(identity.body!.stream)).toBe('Welcome to Amazon S3.');
    expect(identity.body!.failure()).toBeUndefined();
  });

  it('GET Bucket lifecycle (a valueless sub-resource)', async () => {
    const request = new Request('https://examplebucket.s3.amazonaws.com/?lifecycle', {
      headers: {
        'x-amz-content-sha256': EMPTY,
        'x-amz-date': '20130524T000000Z',
        authorization: auth('host;x-amz-content-sha256;x-amz-date', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543'),
      },
    });
    expect((await identify(request, '/', store, options)).principal.kind).toBe('access-key');
  });

  it('GET Bucket (list objects), parameters in either order', async () => {
    for (const query of ['max-keys=2&prefix=J', 'prefix=J&max-keys=2']) {
      const request = new Request(`https://examplebucket.s3.amazonaws.com/?${query}`, {
        headers: {
          'x-amz-content-sha256': EMPTY,
          'x-amz-date': '20130524T000000Z',
          authorization: auth('host;x-amz-content-sha256;x-amz-date', '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7'),
        },
      });
      expect((await identify(request, '/', store, options)).principal.kind).toBe('access-key');
    }
  });

  it('presigned GET (query-string authentication example)', async () => {
    const request = new Request(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
    const identity = await identify(request, '/test.txt', store, { now: new Date('2013-05-24T12:00:00Z'), region: 'us-east-1' });
    expect(identity.principal).toMatchObject({ kind: 'access-key', accessKeyId: DOC_KEY.accessKeyId });
  });
});

/** Requests signed by independent implementations: aws4fetch and the AWS SDK's presigner. */
describe('independent signers', () => {
  const key = { accessKeyId: 'AKTESTINDEPENDENT01', secretAccessKey: 'independent/secret+key/0123456789abcdefABCDEF' };
  const store = memoryStore(key);
  const now = () => ({ now: new Date(), region: 'auto' });

  it.each([
    ['plain key', '/bucket/plain.txt'],
    ['spaces, plus, percent, unicode', '/bucket/dir/a%20b%2Bc%25/%C3%BC%E2%82%AC.txt'],
    ['reserved characters', "/bucket/x!y'z(1)*%3D%40%3A%24%26%2C%3B.bin"],
    ['query with sub-resources', '/bucket/key?uploadId=abc%2Fdef%3D%3D&partNumber=3'],
  ])('aws4fetch header signature: %s', async (_name, target) => {
    const body = `payload for ${target}`;
    const signed = await new AwsV4Signer({
      url: `https://gw.example.test${target}`,
      method: 'PUT',
      headers: { 'x-amz-content-sha256': await sha256Hex(body), 'x-amz-meta-note': 'signed  value' },
      body,
      ...key,
      service: 's3',
      region: 'auto',
    }).sign();
    const request = new Request(signed.url, { method: signed.method, headers: signed.headers, body: signed.body });
    const identity = await identify(request, new URL(request.url).pathname, store, now());
    expect(identity.principal).toMatchObject({ kind: 'access-key', accessKeyId: key.accessKeyId });
    expect(await readText(identity.body!.stream)).toBe(body);
  });

  it('aws4fetch presigned URL', async () => {
    const signed = await new AwsV4Signer({
      url: 'https://gw.example.test/bucket/report%202026.csv?X-Amz-Expires=300',
      ...key,
      service: 's3',
      region: 'auto',
      signQuery: true,
    }).sign();
    const request = new Request(signed.url, { headers: signed.headers });
    const identity = await identify(request, new URL(request.url).pathname, store, now());
    expect(identity.principal.kind).toBe('access-key');
  });

  const client = new S3Client({ region: 'us-east-1', endpoint: 'https://gw.example.test', forcePathStyle: true, credentials: key });

  it('AWS SDK presigned GetObject, key with spaces and unicode', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'bucket', Key: 'dir/a b+c/ü.txt', ResponseContentType: 'text/plain' }), { expiresIn: 600 });
    const request = new Request(url);
    const identity = await identify(request, new URL(url).pathname, store, now());
    expect(identity.principal).toMatchObject({ kind: 'access-key', accessKeyId: key.accessKeyId });
  });

  it('AWS SDK presigned PutObject, uploaded with a plain PUT', async () => {
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'bucket', Key: 'upload.bin' }), { expiresIn: 600 });
    const request = new Request(url, { method: 'PUT', body: 'uploaded through a presigned URL' });
    const identity = await identify(request, new URL(url).pathname, store, now());
    expect(identity.principal.kind).toBe('access-key');
    expect(await readText(identity.body!.stream)).toBe('uploaded through a presigned URL');
  });
});
