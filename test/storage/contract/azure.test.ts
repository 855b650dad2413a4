import { env } from 'cloudflare:test';
import { inject } from 'vitest';
import type { AzureDriverConfig } from '../../../src/storage/azure/config';
import { openAzureBackend } from '../../../src/storage/drivers';
import { AZURITE_ACCOUNT, AZURITE_CONTAINER } from '../upstreams/azurite-account';
import { type FaultMode, runBackendContract } from './backend-contract';
import './provided';

const FAULT_TIMEOUT_MS = 1500;
const FAULT_RETRIES = 2;
const SHARED_KEY = { kind: 'shared-key', ...AZURITE_ACCOUNT } as const;

/** The fault server speaks S3's throttling answer as `slowdown-*`; Azure's (503 ServerBusy) is `serverbusy-*`. */
const FAULT_BUCKET: Partial<Record<FaultMode, string>> = { slowdown: 'serverbusy' };

function config(accountUrl: string, container: string, prefix: string, extra: Partial<AzureDriverConfig> = {}): AzureDriverConfig {
  return { accountUrl, container, prefix, auth: SHARED_KEY, ...extra };
}

const NATIVE_ONLY =
  "ListParts/ListMultipartUploads come from the S3 layer's multipart ledger in D1 (ADR 0004), which also judges completions; the driver does not answer them from Azure's uncommitted block list (adrs/0021 gives the reasons)";

runBackendContract(
  'azure → Azurite',
  {
    make: (label) => openAzureBackend(env, config(inject('azuriteAccountUrl'), AZURITE_CONTAINER, `contract/${label}-${crypto.randomUUID().slice(0, 8)}/`)),
    faulty: (mode: FaultMode) => {
      const container = `${FAULT_BUCKET[mode] ?? mode}-${crypto.randomUUID().slice(0, 8)}`;
      const base = mode === 'unreachable' ? inject('closedUpstreamUrl') : inject('faultyUpstreamUrl');
      const backend = openAzureBackend(env, config(base, container, 'tenant/', { timeoutMs: FAULT_TIMEOUT_MS, retries: FAULT_RETRIES, retryBaseMs: 10 }));
      const hits = async () => Number(await (await fetch(`${inject('faultyUpstreamUrl')}/__hits/${container}`)).text());
      return { backend, hits, timeoutMs: FAULT_TIMEOUT_MS, retries: FAULT_RETRIES };
    },
  },
  {
    skips: {
      'multipart-list-parts': NATIVE_ONLY,
      'multipart-list-uploads': NATIVE_ONLY,
    },
  },
);
