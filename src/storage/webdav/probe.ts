import type { ProbeOutcome } from '../driver-types';
import { type AllowList, checkEndpoint } from '../endpoint-guard';
import { randomBase32 } from '../../core/ids';
import { type WebDavCall, WebDavClient } from './client';
import type { WebDavDriverConfig } from './config';
import { BUCKETGATE_NS, OBJECT_PROPERTY } from './config';
import { PROPFIND_BODY, parseMultistatus } from './multistatus';
import { describeProbeFailure, type ProbeWording } from '../probe-failure';

/** Probes are interactive (an admin waits): a short bound, whatever the bucket's own timeout. */
const PROBE_TIMEOUT_MS = 10_000;

type ProbeResult = { outcome: ProbeOutcome; conditionalWrites: boolean; deadProperties: boolean };

const WORDING: ProbeWording = {
  peer: 'server',
  protocol: 'WebDAV',
  afterRedirect: 'the base URL',
  timeoutMs: PROBE_TIMEOUT_MS,
  // A missing collection: 404; a plain file where the collection should be: 405 or 409.
  bucketStatuses: [404, 405, 409],
};

function refuse(outcome: ProbeOutcome): ProbeResult {
  return { outcome, conditionalWrites: false, deadProperties: false };
}

/**
 * Validate-before-save (adrs/0019) for a WebDAV location: PROPFIND Depth 0 on base + prefix (it
 * must be a collection the credentials can read), then, with a throwaway object it removes
 * afterwards, what the server does: a second `PUT` with `If-None-Match: *` and one with an `If`
 * on a tag that cannot match must both be refused (412) for conditional writes; a PROPPATCH must be
 * answered 200 and the property read back for dead properties. The reason names the call and the
 * status, never hosts, paths or bodies.
 */
export async function probeWebDavUpstream(config: WebDavDriverConfig, allowList: AllowList): Promise<ProbeResult> {
  const checked = checkEndpoint(config.baseUrl, allowList);
  if (!checked.ok) return refuse({ ok: false, field: 'endpoint', reason: `refused by the SSRF guard (${checked.reason}): ${checked.detail}` });
  const client = new WebDavClient({ auth: config.auth, timeoutMs: Math.min(config.timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS), retries: 0 }, allowList);
  const root = client.urlFor(config.baseUrl, config.prefix);
  const call = async (name: string, c: Omit<WebDavCall, 'idempotent' | 'context'>): Promise<Response | ProbeResult> => {
    const outcome = await client.attempt({ ...c, idempotent: false, context: { subject: 'object' } });
    return outcome instanceof Response ? outcome : refuse(describeProbeFailure(name, outcome, WORDING));
  };

  const listed = await call('PROPFIND', { method: 'PROPFIND', url: root, headers: { depth: '0' }, text: PROPFIND_BODY });
  if (!(listed instanceof Response)) return listed;
  const entries = listed.status === 207 ? parseMultistatus(await listed.text(), root) : (await listed.body?.cancel(), null);
  if (!entries?.[0]?.collection) return refuse({ ok: false, field: 'bucket', reason: `PROPFIND: the base URL and prefix do not name a WebDAV collection (${listed.status})` });

  const probeUrl = `${root}.bucketgate-probe-${randomBase32(12)}`;
  const put = await call('PUT', { method: 'PUT', url: probeUrl, text: 'probe' });
  if (!(put instanceof Response)) return put;
  await put.body?.cancel();
  try {
    const again = await client.attempt({ method: 'PUT', url: probeUrl, headers: { 'if-none-match': '*' }, text: 'changed', idempotent: false, context: { subject: 'object' }, accept: [412] });
    const wrongTag = await client.attempt({ method: 'PUT', url: probeUrl, headers: { if: '(["bucketgate-probe-no-such-etag"])' }, text: 'changed', idempotent: false, context: { subject: 'object' }, accept: [412] });
    for (const r of [again, wrongTag]) if (r instanceof Response) await r.body?.cancel();
    const conditionalWrites = again instanceof Response && again.status === 412 && wrongTag instanceof Response && wrongTag.status === 412;

    const patch = await client.attempt({
      method: 'PROPPATCH',
      url: probeUrl,
      text: `<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:bg="${BUCKETGATE_NS}"><d:set><d:prop><bg:${OBJECT_PROPERTY}>probe</bg:${OBJECT_PROPERTY}></d:prop></d:set></d:propertyupdate>`,
      idempotent: false,
      context: { subject: 'object' },
    });
    let deadProperties = false;
    if (patch instanceof Response) {
      await patch.body?.cancel();
      const read = await client.attempt({ method: 'PROPFIND', url: probeUrl, headers: { depth: '0' }, text: PROPFIND_BODY, idempotent: true, context: { subject: 'object' } });
      if (read instanceof Response) deadProperties = parseMultistatus(await read.text(), probeUrl)?.[0]?.object === 'probe';
    }
    return { outcome: { ok: true }, conditionalWrites, deadProperties };
  } finally {
    const removed = await client.attempt({ method: 'DELETE', url: probeUrl, idempotent: true, context: { subject: 'object' } });
    if (removed instanceof Response) await removed.body?.cancel();
  }
}

