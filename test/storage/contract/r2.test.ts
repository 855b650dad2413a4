import { env } from 'cloudflare:test';
import { R2Backend } from '../../../src/storage/r2/backend';
import { runBackendContract } from './backend-contract';

const NATIVE_ONLY = 'the R2 binding has no server-side copy or multipart listings: the S3 layer copies by streaming (ADR 0010) and its multipart ledger answers ListParts/ListMultipartUploads (ADR 0004)';

runBackendContract('r2', { make: (label) => new R2Backend(env.STORAGE, `contract/${label}-${crypto.randomUUID().slice(0, 8)}/`) }, {
  skips: {
    'multipart-list-parts': NATIVE_ONLY,
    'multipart-list-uploads': NATIVE_ONLY,
    copy: NATIVE_ONLY,
    'copy-pinned': NATIVE_ONLY,
    'upload-part-copy': NATIVE_ONLY,
    'upstream-faults': 'a binding has no network upstream that could stall, fail or redirect',
  },
  deviations: {
    'bad-upload-id':
      "the local R2 (miniflare) answers CompleteMultipartUpload on an upload id it never issued with a bare internal error, not 10024; the S3 layer's multipart ledger refuses unknown ids before the store is asked (ADR 0004)",
  },
});
