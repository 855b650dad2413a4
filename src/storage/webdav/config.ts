// PLACEHOLDER (dropped at merge; the real file comes from wip-webdav).
export type WebDavAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string } | { kind: 'anonymous' };
export interface WebDavDriverConfig { baseUrl: string; prefix: string; flavor: 'generic' | 'nextcloud'; uploadsUrl?: string; auth: WebDavAuth; conditionalWrites: boolean; deadProperties: boolean; timeoutMs?: number; retries?: number; retryBaseMs?: number }
