// PLACEHOLDER (dropped at merge; the real file comes from wip-webdav).
import type { ProbeOutcome } from '../driver-types';
import type { AllowList } from '../endpoint-guard';
import type { WebDavDriverConfig } from './config';

export async function probeWebDavUpstream(_config: WebDavDriverConfig, _allowList: AllowList): Promise<{ outcome: ProbeOutcome; conditionalWrites: boolean; deadProperties: boolean }> {
  return { outcome: { ok: false, field: 'endpoint', reason: 'placeholder: the webdav driver has not landed' }, conditionalWrites: false, deadProperties: false };
}
