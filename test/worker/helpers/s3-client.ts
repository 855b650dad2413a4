import { S3Client } from '@aws-sdk/client-s3';
import { AwsClient } from 'aws4fetch';
import { SELF } from 'cloudflare:test';

/** Where the tests address the Worker; SELF ignores the host, the signature covers it. */
export const ENDPOINT = 'https://gateway.test';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * A real @aws-sdk/client-s3 client whose HTTP layer is the Worker itself: the SDK's own fetch
 * handler builds the Request (signed, streaming bodies left as streams) and hands it to SELF.fetch
 * instead of the network, and reads the Response the same way it would from a socket.
 */
export function s3Client(credentials: Credentials, options: { region?: string } = {}): S3Client {
  return new S3Client({
    endpoint: ENDPOINT,
    region: options.region ?? 'us-east-1',
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
    requestHandler: { customFetch: ((request: Request) => SELF.fetch(request)) as typeof fetch },
  });
}

/**
 * A SigV4-signed request the SDK would not send as is (odd paths, raw XML, chosen headers),
 * signed by aws4fetch and delivered to the Worker. `path` is sent exactly as given.
 */
export async function signedFetch(credentials: Credentials, method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit } = {}): Promise<Response> {
  const client = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
  const signed = await client.sign(`${ENDPOINT}${path}`, { method, headers: init.headers, body: init.body });
  return SELF.fetch(signed);
}

/** The S3 error code of an XML error response (or of a bodiless HEAD answer). */
export async function errorCode(response: Response): Promise<string | null> {
  const text = await response.text();
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? response.headers.get('x-amz-error-code');
}

/** The error an SDK call failed with, as S3 named it, and its HTTP status. */
export async function sdkError(call: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

/** Hex MD5, as S3 ETags print it. */
export async function md5Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest('MD5', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
