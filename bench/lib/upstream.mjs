// Issue 8's bench: a bucket on an `s3` upstream (a second bucketgate instance, started here) reached
// through the gateway, against the same transfers sent straight to that upstream, in one run.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { admin, s3, signS3, startGateway } from './gateway.mjs';
import { measureGets } from './get-phase.mjs';
import { freePort } from './processes.mjs';
import { gatewayTarget } from './targets.mjs';
import { putGenerated } from './upload.mjs';

const MiB = 1024 * 1024;
const VIRTUAL_BUCKET = 'bench-upstream';
const UPSTREAM_PREFIX = 'via-gateway/';
const OBJECT_KEY = 'bench/object-1KiB.bin';

/** Starts the upstream instance; the gateway must allow-list its host (ALLOWED_UPSTREAM_HOSTS). */
export async function startUpstream(workDir, port) {
  return startGateway({
    label: 'upstream', port, persistTo: join(workDir, 'upstream-state'),
    infoPath: join(workDir, 'upstream-info.json'), logPath: join(workDir, 'upstream.log'),
  });
}

/** A connection to the upstream (its demo key, static) and a virtual bucket on it, through the admin API. */
export async function connectUpstream(gateway, upstream) {
  const up = upstream.info;
  const connection = await admin(gateway.info, 'POST', '/connections', {
    kind: 's3', name: 'bench-upstream', endpoint: up.endpoint, region: up.region, addressing: 'path', probeBucket: up.bucket,
    auth: { mode: 'static', accessKeyId: up.accessKeyId, secretAccessKey: up.secretAccessKey },
  });
  await admin(gateway.info, 'POST', '/buckets', {
    name: VIRTUAL_BUCKET, backend: { type: 's3', connection: connection.id, bucket: up.bucket, prefix: UPSTREAM_PREFIX },
  });
}

/**
 * 256 MiB (by default) PUT then GET through the gateway and straight to the upstream, `repeats`
 * times in alternating order; then 1 KiB GETs both ways. Returns MiB/s per side and the latencies.
 */
export async function measureUpstream(gateway, upstream, { transferBytes, repeats, latencyOptions }) {
  const sides = [
    { label: 'direct', info: upstream.info, bucket: upstream.info.bucket, key: 'direct/transfer.bin' },
    { label: 'gateway', info: gateway.info, bucket: VIRTUAL_BUCKET, key: 'transfer.bin' },
  ];
  const transfers = Object.fromEntries(sides.map((s) => [s.label, { put: [], get: [] }]));
  for (let round = 0; round < repeats; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const put = await signS3(side.info, { method: 'PUT', key: side.key, bucket: side.bucket, payloadHash: 'UNSIGNED-PAYLOAD' });
      const putResult = await putGenerated(put.url, put.headers, transferBytes);
      if (putResult.status !== 200) throw new Error(`upstream ${side.label}: PUT → ${putResult.status}: ${putResult.text.slice(0, 300)}`);
      transfers[side.label].put.push(putResult.mibPerSecond);
      transfers[side.label].get.push(await getWhole(side, transferBytes));
    }
  }
  for (const side of sides) {
    const removed = await s3(side.info, { method: 'DELETE', key: side.key, bucket: side.bucket });
    if (removed.status !== 204) throw new Error(`upstream ${side.label}: DELETE → ${removed.status}`);
  }

  // The 1 KiB object, written through the gateway: the direct side reads the very same upstream object.
  const seeded = await s3(gateway.info, { method: 'PUT', key: OBJECT_KEY, bucket: VIRTUAL_BUCKET, body: randomBytes(1024) });
  if (seeded.status !== 200) throw new Error(`upstream: seeding the 1 KiB object → ${seeded.status}: ${seeded.text.slice(0, 300)}`);
  const latency = await measureGets(
    [
      gatewayTarget(upstream, `${UPSTREAM_PREFIX}${OBJECT_KEY}`, { label: 'direct' }),
      gatewayTarget(gateway, OBJECT_KEY, { label: 'gateway', bucket: VIRTUAL_BUCKET }),
    ],
    latencyOptions,
  );
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  return {
    transferBytes,
    repeats,
    transfers,
    mibPerSecond: Object.fromEntries(sides.map((s) => [s.label, { put: median(transfers[s.label].put), get: median(transfers[s.label].get) }])),
    latency,
  };
}

/** GETs the whole object, reading (and counting) the body as it streams; MiB/s from request to last byte. */
async function getWhole(side, size) {
  const get = await signS3(side.info, { method: 'GET', key: side.key, bucket: side.bucket });
  const started = performance.now();
  const response = await fetch(get.url, { headers: get.headers, signal: AbortSignal.timeout(300_000) });
  let received = 0;
  for await (const chunk of response.body) received += chunk.byteLength;
  const elapsedMs = performance.now() - started;
  if (response.status !== 200 || received !== size) throw new Error(`upstream ${side.label}: GET → ${response.status}, ${received} of ${size} bytes`);
  return size / MiB / (elapsedMs / 1000);
}

