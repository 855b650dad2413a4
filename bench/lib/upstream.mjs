// Issue 8's bench: a bucket on an `s3` upstream (a second bucketgate instance, started here) reached
// through the gateway, against the same transfers sent straight to that upstream, in one run
// (upstream-transfer.mjs times them). Also 1 KiB GETs both ways.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { s3, startGateway } from './gateway.mjs';
import { measureGets } from './get-phase.mjs';
import { freePort } from './processes.mjs';
import { gatewayTarget } from './targets.mjs';
import { s3Side, VIA_GATEWAY_PREFIX } from './upstream-transfer.mjs';

const OBJECT_KEY = 'bench/object-1KiB.bin';

/** @type {import('./upstream-transfer.mjs').UpstreamKind} */
export const s3Upstream = {
  section: 'upstream',
  title: 's3 upstream (a second bucketgate)',
  async start(workDir) {
    return startGateway({
      label: 'upstream', port: await freePort(), persistTo: join(workDir, 'upstream-state'),
      infoPath: join(workDir, 'upstream-info.json'), logPath: join(workDir, 'upstream.log'),
    });
  },
  /** Its demo key, static. */
  connection: ({ info }) => ({
    kind: 's3', name: 'bench-s3', endpoint: info.endpoint, region: info.region, addressing: 'path', probeBucket: info.bucket,
    auth: { mode: 'static', accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
  }),
  location: ({ info }) => ({ type: 's3', bucket: info.bucket }),
  direct: ({ info }) => s3Side('direct', info, info.bucket, 'direct/transfer.bin'),
  /** The 1 KiB object, written through the gateway: the direct side reads the very same upstream object. */
  async afterTransfers(gateway, upstream, bucket, { latencyOptions }) {
    const seeded = await s3(gateway.info, { method: 'PUT', key: OBJECT_KEY, bucket, body: randomBytes(1024) });
    if (seeded.status !== 200) throw new Error(`upstream: seeding the 1 KiB object → ${seeded.status}: ${seeded.text.slice(0, 300)}`);
    const latency = await measureGets(
      [
        gatewayTarget(upstream, `${VIA_GATEWAY_PREFIX}${OBJECT_KEY}`, { label: 'direct' }),
        gatewayTarget(gateway, OBJECT_KEY, { label: 'gateway', bucket }),
      ],
      latencyOptions,
    );
    return { latency };
  },
};
