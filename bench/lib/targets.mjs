// The two things the benchmark compares, behind one shape: how to GET the 1 KiB object, how to
// upload/inspect/remove a large object. The gateway is spoken to as S3 with SigV4; the baseline is
// addressed by raw R2 key, unsigned.
import { objectUrl, s3, signS3 } from './gateway.mjs';

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
export function gatewayTarget(gateway, objectKey, { label = 'gateway', info = gateway.info, bucket = info.bucket } = {}) {
  let seq = 0;
  const uploadKey = (name) => `bench/${name}`;
  const head = async (name, timeoutMs) => {
    const response = await s3(info, { method: 'HEAD', key: uploadKey(name), timeoutMs });
    return { status: response.status, contentLength: contentLengthOf(response.headers) };
  };
  return {
    label,
    workerd: gateway.workerd,
    async prepareGets(count) {
      const requests = [];
      for (let i = 0; i < count; i++) {
        requests.push(await signS3(info, { method: 'GET', key: objectKey, bucket, headers: { 'x-bench-seq': String(seq++) } }));
      }
      return requests;
    },
    prepareUpload: (name) => signS3(info, { method: 'PUT', key: uploadKey(name), payloadHash: 'UNSIGNED-PAYLOAD' }),
    head,
    remove: async (name, timeoutMs) => (await s3(info, { method: 'DELETE', key: uploadKey(name), timeoutMs })).status,
  };
}

/** Anonymous GETs of an object in a public-read bucket: no signature at all. @returns {Pick<Target, 'label' | 'workerd' | 'prepareGets'>} */
export function anonymousTarget(gateway, bucket, objectKey) {
  const url = objectUrl(gateway.info, objectKey, bucket);
  return {
    label: 'gateway anonymous',
    workerd: gateway.workerd,
    prepareGets: async (count) => Array.from({ length: count }, () => ({ url, headers: {} })),
  };
}

/** ListObjectsV2 of `prefix` (1000 keys, one page) through the gateway, each request signed distinctly. */
export function gatewayListTarget(gateway, bucket, prefix) {
  let seq = 0;
  return {
    label: 'gateway ListObjectsV2',
    workerd: gateway.workerd,
    expectBytes: undefined,
    async prepareGets(count) {
      const requests = [];
      for (let i = 0; i < count; i++) {
        const query = `?list-type=2&max-keys=1000&prefix=${encodeURIComponent(prefix)}`;
        requests.push(await signS3(gateway.info, { method: 'GET', key: '', bucket, query, headers: { 'x-bench-seq': String(seq++) } }));
      }
      return requests;
    },
  };
}

/** The bare Worker's `list({ prefix, limit: 1000 })` of the same raw R2 prefix, as JSON. */
export function baselineListTarget(baseline, r2Prefix) {
  const url = `${baseline.url}/STORAGE/?list=${encodeURIComponent(r2Prefix)}`;
  return {
    label: 'baseline list',
    workerd: baseline.workerd,
    expectBytes: undefined,
    prepareGets: async (count) => Array.from({ length: count }, () => ({ url, headers: {} })),
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

/**
 * The bare Worker GETting the same object after the platform calls every gateway request makes
 * (a rate-limit call and a log line; bench/baseline-worker.ts says why). @returns {Pick<Target, 'label' | 'workerd' | 'prepareGets'>}
 */
export function baselinePlatformTarget(baseline, r2Key) {
  const bare = baselineTarget(baseline, r2Key);
  return {
    label: PLATFORM_BASELINE,
    workerd: baseline.workerd,
    prepareGets: async (count) => (await bare.prepareGets(count)).map((r) => ({ ...r, headers: { 'x-bench-platform': '1' } })),
  };
}

export const PLATFORM_BASELINE = 'baseline + platform calls';

function contentLengthOf(headers) {
  const value = headers.get('content-length');
  return value === null ? null : Number(value);
}
