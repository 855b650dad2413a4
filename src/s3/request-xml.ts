import type { S3Context } from './context';
import { parseXml, readXmlBody } from './xml';

/**
 * Reads and parses the XML document a request carries (DeleteObjects, CompleteMultipartUpload,
 * CreateBucketConfiguration). When the payload failed verification while it was read (bad
 * signature, Content-MD5, checksum), that failure is what the client hears, not a parse error.
 */
export async function readRequestXml(
  c: S3Context,
  maxBytes: number,
  arrayPaths: readonly string[],
  options: { trimValues?: boolean } = {},
): Promise<Record<string, unknown>> {
  return parseXml(await readVerifiedText(c, maxBytes), arrayPaths, options);
}

/** As readRequestXml, but an absent or empty body is allowed (CreateBucket's configuration is optional). */
export async function readOptionalRequestXml(c: S3Context, maxBytes: number): Promise<Record<string, unknown> | undefined> {
  if (!c.body || c.body.length === 0) return undefined;
  const text = await readVerifiedText(c, maxBytes);
  return text.trim() === '' ? undefined : parseXml(text);
}

async function readVerifiedText(c: S3Context, maxBytes: number): Promise<string> {
  let text: string;
  try {
    text = await readXmlBody(c.body?.stream ?? null, maxBytes);
  } catch (error) {
    throw c.body?.failure() ?? error;
  }
  const failure = c.body?.failure();
  if (failure) throw failure;
  return text;
}

/** The text of a leaf element as the parser returned it (references already resolved); undefined when it is not text. */
export function elementText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
