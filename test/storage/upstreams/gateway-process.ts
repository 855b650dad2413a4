import { type DevGateway, startDevGateway } from '../../e2e/support/dev-gateway';

export type GatewayProcess = DevGateway;

/**
 * A second, independent bucketgate (`scripts/dev.mjs`, as `npm run dev`) on a free port with its own
 * state, used as an S3 upstream: it prints the seeded `demo` bucket and a demo key with s3:* on it.
 * `vars` are passed as `--var NAME:VALUE`; `log` names its log file under .bucketgate/.
 */
export function startGateway(options: { vars?: string[]; log?: string } = {}): Promise<GatewayProcess> {
  return startDevGateway({ vars: options.vars, log: options.log ?? 'storage-upstream-gateway.log' });
}
