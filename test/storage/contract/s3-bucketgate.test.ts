import { env } from 'cloudflare:test';
import { inject } from 'vitest';
import { openS3Backend } from '../../../src/storage/drivers';
import { runBackendContract } from './backend-contract';
import './provided';

/** A second bucketgate (over its own local R2) as the upstream, reached with the demo key it seeded. */
runBackendContract(
  's3 → bucketgate',
  {
    make: (label) => {
      const upstream = inject('upstreamGateway');
      return openS3Backend(env, {
        endpoint: upstream.endpoint,
        region: upstream.region,
        bucket: upstream.bucket,
        prefix: `contract/${label}-${crypto.randomUUID().slice(0, 8)}/`,
        pathStyle: true,
        // The upstream gateway applies PutObject conditions atomically (R2's onlyIf).
        conditionalWrites: true,
        credentials: { accessKeyId: upstream.accessKeyId, secretAccessKey: upstream.secretAccessKey },
      });
    },
  },
  {
    skips: {
      'upstream-faults': 'driver-level: the s3 → s3rver runner drives them against the fault server, whatever the upstream',
    },
  },
);
