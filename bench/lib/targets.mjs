// The two things the benchmark compares, behind one shape: how to GET the 1 KiB object, how to
// upload/inspect/remove a large object. The gateway is spoken to as S3 with SigV4; the baseline is
// addressed by raw R2 key, unsigned.
import { s3, signS3 } from './gateway.mjs';

/**
 * @typedef {{ url: string, headers: Record<string, string> }} PreparedRequest
 * @typedef {{
 *   label: string,
 *   workerd: { runtime: number, proxy: number | undefined },
 *   prepareGets(count: number): Promise<PreparedRequest[]>,
 *   prepareUpload(name: string): Promise<PreparedRequest>,
 *   head(name: string, timeoutMs?: number): Promise<{ status: number, contentLength: number | null }>,
 *   remove(name: string, timeoutMs?: number): Promise<number>,
 * }} Target
 */

/**
 * The gateway: each GET carries its own SigV4 signature (a signed `x-bench-seq` header makes every
 * one distinct), computed before the timed window so client-side signing is not measured.
 * @returns {Target}
 */
export function gatewayTarget(gateway, objectKey) {
  const { info } = gateway;
  let seq = 0;
  const uploadKey = (name) => `bench/${name}`;
  const head = async (name, timeoutMs) => {
    const response = await s3(info, { method: 'HEAD', key: uploadKey(name), timeoutMs });
    return { status: response.status, contentLength: contentLengthOf(response.headers) };
  };
  return {
    label: 'gateway',
    workerd: gateway.workerd,
    async prepareGets(count) {
      const requests = [];
      for (let i = 0; i < count; i++) {
        requests.push(await signS3(info, { method: 'GET', key: objectKey, headers: { 'x-bench-seq': String(seq++) } }));
      }
      return requests;
    },
    prepareUpload: (name) => signS3(info, { method: 'PUT', key: uploadKey(name), payloadHash: 'UNSIGNED-PAYLOAD' }),
    head,
    remove: async (name, timeoutMs) => (await s3(info, { method: 'DELETE', key: uploadKey(name), timeoutMs })).status,
  };
}

/** The bare Worker: the same R2 object by its raw key, no signature; uploads to its own bucket. @returns {Target} */
export function baselineTarget(baseline, r2Key) {
  const url = (binding, key) => `${baseline.url}/${binding}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const uploadUrl = (name) => url('UPLOADS', `bench/${name}`);
  const send = async (method, name, timeoutMs = 30_000) => {
    try {
      const response = await fetch(uploadUrl(name), { method, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return response;
    } catch (error) {
      throw new Error(`${method} ${uploadUrl(name)}: ${error instanceof Error ? error.message : error}`, { cause: error });
    }
  };
  return {
    label: 'baseline',
    workerd: baseline.workerd,
    async prepareGets(count) {
      return Array.from({ length: count }, () => ({ url: url('STORAGE', r2Key), headers: {} }));
    },
    prepareUpload: async (name) => ({ url: uploadUrl(name), headers: {} }),
    async head(name, timeoutMs) {
      const response = await send('HEAD', name, timeoutMs);
      return { status: response.status, contentLength: contentLengthOf(response.headers) };
    },
    remove: async (name, timeoutMs) => (await send('DELETE', name, timeoutMs)).status,
  };
}

function contentLengthOf(headers) {
  const value = headers.get('content-length');
  return value === null ? null : Number(value);
}
