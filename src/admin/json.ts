import type { Context } from 'hono';
import type { Env } from '../env';
import { releaseBody } from '../core/release-body';
import { recordAudit } from '../registry/audit';
import { AdminError } from './errors';

/** Who admin writes are recorded as: the API has one credential, the ADMIN_TOKEN. */
export const ADMIN_ACTOR = 'admin';

const MAX_BODY_BYTES = 256 * 1024;

/**
 * The request's JSON body. A body that is not JSON is refused before any registry code runs, so
 * the refusal is audited here under the write it was meant for.
 */
export async function readJsonBody(c: Context<{ Bindings: Env }>, audit: { action: string; target: string | null }): Promise<unknown> {
  const fail = async (code: string, message: string, status: 400 | 413) => {
    await recordAudit(c.env, { actor: ADMIN_ACTOR, ...audit, outcome: code });
    return new AdminError(status, code, message);
  };
  const text = await readBounded(c.req.raw.body, MAX_BODY_BYTES);
  if (text === null) throw await fail('BodyTooLarge', `request body exceeds ${MAX_BODY_BYTES} bytes`, 413);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw await fail('MalformedJSON', 'request body is not valid JSON', 400);
  }
}

/** The body as UTF-8 text, or null once it passes `limit` bytes (the rest is released unread, lib/release-body.ts). */
async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string | null> {
  if (!body) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > limit) {
      await releaseBody(reader);
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
}
