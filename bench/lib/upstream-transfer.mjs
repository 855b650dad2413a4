// What the three upstream sections (`upstream` = s3, `azure`, `webdav`) share: a bucket on a
// connection to an upstream server reached through the gateway, against the same transfers sent
// straight to that server, in one run. Each kind's file says how to start its server, how to make
// the connection and the bucket (admin API), and how to PUT/GET/DELETE directly; this file does
// the timing and the ratios.
import { admin, signS3 } from './gateway.mjs';
import { putGenerated } from './upload.mjs';

const MiB = 1024 * 1024;
/** The prefix of the gateway's bucket on each upstream; the direct side writes outside it. */
export const VIA_GATEWAY_PREFIX = 'via-gateway/';

/**
 * @typedef {{ label: string,
 *   put(size: number): Promise<number>, get(size: number): Promise<number>, remove(): Promise<void> }} TransferSide
 *   put/get resolve to MiB/s.
 * @typedef {{ section: string, title: string, start(workDir: string): Promise<{ stop(): unknown }>,
 *   connection(upstream): object, location(upstream): object, direct(upstream): TransferSide,
 *   afterTransfers?(gateway, upstream, bucket: string, options): Promise<object> }} UpstreamKind
 */

/** Creates the connection (`kind.connection`, validated by the gateway's probe) and a bucket on it; returns the bucket name. */
export async function connectUpstream(gateway, kind, upstream) {
  const bucket = `bench-${kind.section}`;
  const connection = await admin(gateway.info, 'POST', '/connections', kind.connection(upstream));
  await admin(gateway.info, 'POST', '/buckets', {
    name: bucket, backend: { ...kind.location(upstream), connection: connection.id, prefix: VIA_GATEWAY_PREFIX },
  });
  return bucket;
}

/**
 * `transferBytes` PUT then GET through the gateway and straight to the upstream, `repeats` times
 * in alternating order, then the kind's own extra measurements. Returns MiB/s per side (medians).
 */
export async function measureUpstream(gateway, kind, upstream, { transferBytes, repeats, ...options }) {
  const bucket = await connectUpstream(gateway, kind, upstream);
  const sides = [kind.direct(upstream), s3Side('gateway', gateway.info, bucket, 'transfer.bin')];
  const transfers = Object.fromEntries(sides.map((s) => [s.label, { put: [], get: [] }]));
  for (let round = 0; round < repeats; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      transfers[side.label].put.push(await side.put(transferBytes));
      transfers[side.label].get.push(await side.get(transferBytes));
    }
  }
  for (const side of sides) await side.remove();
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  return {
    title: kind.title,
    transferBytes,
    repeats,
    transfers,
    mibPerSecond: Object.fromEntries(sides.map((s) => [s.label, { put: median(transfers[s.label].put), get: median(transfers[s.label].get) }])),
    ...(kind.afterTransfers ? await kind.afterTransfers(gateway, upstream, bucket, options) : {}),
  };
}

/**
 * A side speaking plain HTTP: `sign(method, headers)` returns the URL and the headers to send
 * (the body's content-length is among `headers` for a PUT). `ok` lists the statuses that count as success.
 */
export function httpSide(label, sign, ok = { put: [200, 201, 204], get: [200], remove: [200, 202, 204] }) {
  return {
    label,
    async put(size) {
      const { url, headers } = await sign('PUT', { 'content-length': String(size) });
      const result = await putGenerated(url, headers, size);
      if (!ok.put.includes(result.status)) throw new Error(`${label}: PUT → ${result.status}: ${result.text.slice(0, 300)}`);
      return result.mibPerSecond;
    },
    async get(size) {
      const { url, headers } = await sign('GET', {});
      return getWhole(label, url, headers, size, ok.get);
    },
    async remove() {
      const { url, headers } = await sign('DELETE', {});
      const response = await fetch(url, { method: 'DELETE', headers, signal: AbortSignal.timeout(30_000) });
      await response.arrayBuffer();
      if (!ok.remove.includes(response.status)) throw new Error(`${label}: DELETE → ${response.status}`);
    },
  };
}

/** An S3 side (the gateway, or an s3 upstream): SigV4 header-signed, the PUT payload unsigned. */
export function s3Side(label, info, bucket, key) {
  return httpSide(
    label,
    (method) => signS3(info, { method, key, bucket, ...(method === 'PUT' ? { payloadHash: 'UNSIGNED-PAYLOAD' } : {}) }),
    { put: [200], get: [200], remove: [204] },
  );
}

/** GETs the whole object, reading (and counting) the body as it streams; MiB/s from request to last byte. */
async function getWhole(label, url, headers, size, okStatuses) {
  const started = performance.now();
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(300_000) });
  let received = 0;
  for await (const chunk of response.body) received += chunk.byteLength;
  const elapsedMs = performance.now() - started;
  if (!okStatuses.includes(response.status) || received !== size) throw new Error(`${label}: GET → ${response.status}, ${received} of ${size} bytes`);
  return size / MiB / (elapsedMs / 1000);
}
