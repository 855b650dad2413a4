// PLACEHOLDER (dropped at merge; the real file comes from wip-azure).
export type AzureAuth = { kind: 'shared-key'; accountName: string; accountKey: string } | { kind: 'sas'; token: string } | { kind: 'bearer'; token: string } | { kind: 'anonymous' };
export interface AzureDriverConfig { accountUrl: string; container: string; prefix: string; auth: AzureAuth; timeoutMs?: number; retries?: number; retryBaseMs?: number }
