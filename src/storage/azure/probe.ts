// PLACEHOLDER (dropped at merge; the real file comes from wip-azure).
import type { ProbeOutcome } from '../driver-types';
import type { AllowList } from '../endpoint-guard';
import type { AzureDriverConfig } from './config';

export async function probeAzureUpstream(_config: AzureDriverConfig, _allowList: AllowList): Promise<ProbeOutcome> {
  return { ok: false, field: 'endpoint', reason: 'placeholder: the azure driver has not landed' };
}
