import type { GatewayInfo } from './gateway';

/**
 * Keyless federation between two bucketgate instances (adrs/0020), set up only through their admin
 * APIs, with no static key anywhere: upstream B trusts downstream A's issuer (A runs with
 * ISSUER_URL = its own URL, so A's discovery document and JWKS are what B fetches) and offers a role
 * on one of its buckets; A gets an `s3` connection to B whose auth mode is `federation`, so A mints a
 * token (`sub` = the virtual bucket served) and exchanges it at B's /.sts for each bucket it opens.
 */

export const FEDERATION_AUDIENCE = 'bucketgate-e2e';
/** The account in the role ARNs bucketgate's STS accepts (any 12 digits; B names roles by their name). */
const ACCOUNT = '123456789012';

export interface AdminAnswer {
  status: number;
  json: any;
}

/** One admin API call to a gateway. */
export async function adminOf(gateway: GatewayInfo, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  const response = await fetch(`${gateway.endpoint}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${gateway.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

function expectStatus(answer: AdminAnswer, status: number, what: string): any {
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.json)}`);
  return answer.json;
}

export interface TrustOptions {
  /** B's bucket the role may use (created here). */
  upstreamBucket: string;
  roleName: string;
  /**
   * Which `sub` the role trusts: A's virtual buckets by name (`in`; A's save-time probes of the
   * connection present `connection/<name>`), or any bucket A creates when B is A's default backend
   * (`glob`) — then the role is scoped by its issuer, audience and the one upstream bucket it
   * grants, not by the bucket name.
   */
  subject: { operator: 'in'; values: string[] } | { operator: 'glob'; value: string };
}

/** On B: the bucket, A's issuer as an IdP, and the role A's tokens may assume. Returns the role ARN. */
export async function trustDownstream(upstream: GatewayInfo, issuer: string, options: TrustOptions): Promise<string> {
  expectStatus(await adminOf(upstream, 'POST', '/buckets', { name: options.upstreamBucket }), 201, 'B: create the upstream bucket');
  expectStatus(await adminOf(upstream, 'POST', '/idps', { issuer, audiences: [FEDERATION_AUDIENCE] }), 201, "B: register A's issuer");
  const role = await adminOf(upstream, 'POST', '/roles', {
    name: options.roleName,
    trust: [{ issuer, audience: FEDERATION_AUDIENCE, claims: [{ claim: 'sub', ...options.subject }] }],
    statements: [{ effect: 'allow', actions: ['s3:*'], resources: [options.upstreamBucket, `${options.upstreamBucket}/*`] }],
    maxSessionDuration: 3600,
  });
  expectStatus(role, 201, 'B: create the role');
  return `arn:aws:iam::${ACCOUNT}:role/${options.roleName}`;
}

/**
 * On A: an `s3` connection to B in auth mode `federation` (validated: saving it already performs an
 * exchange and probes B's bucket). Returns the connection id.
 */
export async function connectUpstream(downstream: GatewayInfo, upstream: GatewayInfo, options: { name: string; roleArn: string; probeBucket: string }): Promise<string> {
  const created = await adminOf(downstream, 'POST', '/connections', {
    kind: 's3',
    name: options.name,
    endpoint: upstream.endpoint,
    region: upstream.region,
    addressing: 'path',
    probeBucket: options.probeBucket,
    // B applies PutObject conditions atomically (R2's onlyIf), so If-None-Match passes through.
    conditionalWrites: true,
    auth: { mode: 'federation', roleArn: options.roleArn, stsEndpoint: `${upstream.endpoint}/.sts`, audience: FEDERATION_AUDIENCE },
  });
  return expectStatus(created, 201, 'A: create the federation connection').id as string;
}

/** On A: every bucket created without an explicit backend (S3 CreateBucket) lives on the connection. */
export async function setDefaultBackend(downstream: GatewayInfo, connection: string, bucket: string, prefix: string): Promise<void> {
  const answer = await adminOf(downstream, 'PUT', '/settings', { defaultBackend: { type: 's3', connection, bucket, prefix } });
  expectStatus(answer, 200, 'A: set the default backend');
}
