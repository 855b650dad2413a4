import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readBoundedBytes } from '../core/bounded-body';
import type { S3Context } from './context';
import { S3Error } from '../core/s3-error';

/**
 * The deepest element nesting a request document may have. S3's request documents are at most
 * four levels deep (CORSConfiguration/CORSRule/AllowedOrigin); anything far deeper is not one.
 */
const MAX_ELEMENT_DEPTH = 32;

/**
 * Reads and parses the XML document a request carries (DeleteObjects, CompleteMultipartUpload,
 * CreateBucketConfiguration, CORSConfiguration). This is the one place request XML is parsed.
 * When the payload failed verification while it was read (bad signature, Content-MD5,
 * checksum), that failure is what the client hears, not a parse error.
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

/** Start, end and empty-element tags; comments, CDATA and declarations (`<!`, `<?`) are not counted. */
const TAG = /<(\/?)[^\s>/!?][^>]*?(\/?)>/g;

/** A linear scan of tag nesting, so a hostile document costs no more than reading it. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (const [, closing, empty] of text.matchAll(TAG)) {
    if (closing) depth--;
    else if (!empty && ++depth > limit) return true;
  }
  return false;
}

function malformedXml(): S3Error {
  return new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
}

/**
 * Reads a request body meant to hold a small XML document, refusing more than `maxBytes`
 * without reading further (S3 caps DeleteObjects at 1000 keys and Complete at 10000 parts).
 */
export async function readXmlBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (!body) throw new S3Error('MalformedXML', 'The request body is empty.');
  const bytes = await readBoundedBytes(body, maxBytes);
  if (!bytes) throw new S3Error('MaxMessageLengthExceeded', `Your request was too big: the limit is ${maxBytes} bytes.`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new S3Error('MalformedXML', 'The XML is not valid UTF-8.');
  }
}

/**
 * Parses a client's XML document. DTDs are refused outright: S3 documents never carry one, and
 * refusing them closes entity expansion ("billion laughs") and external entities at the door.
 * `arrayPaths` are dotted element paths that must always parse as arrays (e.g. "Delete.Object").
 * `trimValues: false` keeps leading/trailing spaces of text (object keys may have them).
 *
 * Whatever the parser refuses is the client's document, never a server fault: its own limits
 * (nesting deeper than MAX_ELEMENT_DEPTH, element names such as `__proto__`, `constructor` or
 * `prototype` that it will not turn into object properties) are answered MalformedXML, like
 * any other document that does not match S3's schema, before the handler acts on anything.
 */
export function parseXml(text: string, arrayPaths: readonly string[] = [], options: { trimValues?: boolean } = {}): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new S3Error('MalformedXML', 'Document type declarations are not allowed.');
  }
  // Checked before validation too: the validator slows sharply on documents nested 10^5 deep.
  if (nestsDeeperThan(text, MAX_ELEMENT_DEPTH) || XMLValidator.validate(text) !== true) throw malformedXml();
  const arrays = new Set(arrayPaths);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    // With DTDs refused only the predefined entities and character references remain; keys such
    // as `a&b` or ones with `&#13;` (as S3 documents) must decode to their real characters.
    processEntities: true,
    htmlEntities: true,
    parseTagValue: false,
    trimValues: options.trimValues ?? true,
    maxNestedTags: MAX_ELEMENT_DEPTH,
    isArray: (_name, jpath) => arrays.has(String(jpath)),
  });
  try {
    return parser.parse(text) as Record<string, unknown>;
  } catch {
    // The text already validated as XML: the parser refused it for one of its limits.
    throw malformedXml();
  }
}
