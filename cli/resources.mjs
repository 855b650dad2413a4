/**
 * The admin API's collections as the CLI sees them: where each lives, what identifies an item,
 * how a list is shown, and which flags build a create or update body (everything else through
 * `-f file.json` or `--set field=value`). One entry per collection; commands.mjs does the rest.
 *
 * `actions` are POSTs to `<path>/<id>/<action>` beyond CRUD (`body`: takes a body like create;
 * `secret`: the answer carries a secret, shown once).
 *
 * Flag kinds: `string`; `bool` (true|false); `int`; `json` (a JSON value); `list` (repeatable,
 * each a string); `labels` (repeatable key=value); `json-list` (repeatable, each a JSON value).
 */

const backendCell = (b) => (b.type === 'r2' ? `r2:${b.binding}/${b.prefix}` : `s3:${b.connection.slice(0, 8)}…/${b.bucket}/${b.prefix}`);

export const RESOURCES = {
  buckets: {
    path: '/buckets',
    listKey: 'buckets',
    id: 'name',
    createIdField: 'name',
    validateFlag: true,
    actions: { suspend: {}, resume: {}, validate: {} },
    columns: [
      ['NAME', (b) => b.name],
      ['STATUS', (b) => b.status],
      ['BACKEND', (b) => backendCell(b.backend)],
      ['PUBLIC', (b) => [b.publicRead && 'read', b.publicList && 'list'].filter(Boolean).join(',') || 'no'],
      ['CREATED', (b) => b.createdAt],
    ],
    flags: {
      backend: { field: 'backend', kind: 'json' },
      'public-read': { field: 'publicRead', kind: 'bool' },
      'public-list': { field: 'publicList', kind: 'bool' },
      'cache-ttl': { field: 'cacheTtl', kind: 'int' },
      cors: { field: 'cors', kind: 'json' },
      label: { field: 'labels', kind: 'labels' },
    },
  },
  keys: {
    path: '/keys',
    listKey: 'keys',
    id: 'accessKeyId',
    actions: { rotate: { secret: true } },
    columns: [
      ['ACCESS KEY ID', (k) => k.accessKeyId],
      ['NAME', (k) => k.displayName],
      ['ENABLED', (k) => String(k.enabled)],
      ['EXPIRES', (k) => k.expiresAt],
      ['STATEMENTS', (k) => k.statements.length],
    ],
    flags: {
      name: { field: 'displayName', kind: 'string' },
      statement: { field: 'statements', kind: 'json-list' },
      'expires-at': { field: 'expiresAt', kind: 'string' },
      enabled: { field: 'enabled', kind: 'bool' },
    },
  },
  idps: {
    path: '/idps',
    listKey: 'idps',
    id: 'id',
    columns: [
      ['ID', (i) => i.id],
      ['ISSUER', (i) => i.issuer],
      ['AUDIENCES', (i) => i.audiences],
      ['ENABLED', (i) => String(i.enabled)],
    ],
    flags: {
      issuer: { field: 'issuer', kind: 'string' },
      audience: { field: 'audiences', kind: 'list' },
      'jwks-uri': { field: 'jwksUri', kind: 'string' },
      'display-name': { field: 'displayName', kind: 'string' },
      enabled: { field: 'enabled', kind: 'bool' },
    },
  },
  roles: {
    path: '/roles',
    listKey: 'roles',
    id: 'name',
    createIdField: 'name',
    columns: [
      ['NAME', (r) => r.name],
      ['ID', (r) => r.id],
      ['MAX SESSION', (r) => `${r.maxSessionDuration}s`],
      ['TRUST', (r) => r.trust.length],
      ['STATEMENTS', (r) => r.statements.length],
    ],
    flags: {
      description: { field: 'description', kind: 'string' },
      trust: { field: 'trust', kind: 'json-list' },
      statement: { field: 'statements', kind: 'json-list' },
      'max-session-duration': { field: 'maxSessionDuration', kind: 'int' },
    },
  },
  revocations: {
    path: '/revocations',
    listKey: 'revocations',
    /** Items are addressed as `<kind>/<id>` (DELETE /revocations/{kind}/{id}); there is no GET of one. */
    id: (r) => `${r.kind}/${r.id}`,
    noUpdate: true,
    noGet: true,
    columns: [
      ['KIND', (r) => r.kind],
      ['ID', (r) => r.id],
      ['LABEL', (r) => Object.entries(r.label ?? {}).map(([k, v]) => `${k}=${v}`).join(',')],
      ['EXPIRES', (r) => r.expiresAt],
      ['REASON', (r) => r.reason],
    ],
    flags: {
      type: { field: 'type', kind: 'string' },
      jti: { field: 'jti', kind: 'string' },
      'access-key-id': { field: 'accessKeyId', kind: 'string' },
      role: { field: 'role', kind: 'string' },
      issuer: { field: 'issuer', kind: 'string' },
      subject: { field: 'subject', kind: 'string' },
      reason: { field: 'reason', kind: 'string' },
    },
  },
  connections: {
    path: '/connections',
    listKey: 'connections',
    id: 'id',
    validateFlag: true,
    actions: { validate: {}, rotate: { body: true } },
    columns: [
      ['ID', (c) => c.id],
      ['NAME', (c) => c.name],
      ['KIND', (c) => c.kind],
      ['STATUS', (c) => c.status],
      ['AUTH', (c) => c.auth?.mode],
      ['ENDPOINT', (c) => c.settings?.endpoint],
    ],
    flags: {
      kind: { field: 'kind', kind: 'string' },
      name: { field: 'name', kind: 'string' },
      endpoint: { field: 'endpoint', kind: 'string' },
      region: { field: 'region', kind: 'string' },
      addressing: { field: 'addressing', kind: 'string' },
      'probe-bucket': { field: 'probeBucket', kind: 'string' },
      auth: { field: 'auth', kind: 'json' },
      status: { field: 'status', kind: 'string' },
      label: { field: 'labels', kind: 'labels' },
    },
  },
};
