// The `azure` section: a bucket on an `azure` connection to Azurite (started here as the backend
// contract tests start it) through the gateway, against the same transfers sent straight to
// Azurite with Shared Key, in one run (upstream-transfer.mjs times them).
import './typescript-imports.mjs';
import { httpSide } from './upstream-transfer.mjs';

const CONTAINER = 'bench';
// The project's TypeScript, imported as it is (typescript-imports.mjs), at call time: the hook must be registered first.
const azurite = () => import('../../test/storage/upstreams/azurite-process.ts');
const account = () => import('../../test/storage/upstreams/azurite-account.ts');
const sharedKey = () => import('../../src/storage/azure/shared-key.ts');
const azureConfig = () => import('../../src/storage/azure/config.ts');

/** @type {import('./upstream-transfer.mjs').UpstreamKind} */
export const azureUpstream = {
  section: 'azure',
  title: 'azure upstream (Azurite)',
  async start() {
    const { startAzurite } = await azurite();
    const { AZURITE_ACCOUNT } = await account();
    return { ...(await startAzurite([CONTAINER])), ...AZURITE_ACCOUNT };
  },
  connection: ({ accountUrl, accountName, accountKey }) => ({
    kind: 'azure', name: 'bench-azure', accountUrl, probeContainer: CONTAINER, auth: { mode: 'shared_key', accountName, accountKey },
  }),
  location: () => ({ type: 'azure', container: CONTAINER }),
  /** Put Blob (one request, a block blob), Get Blob, Delete Blob, each signed with the account key. */
  direct: ({ accountUrl, accountName, accountKey }) =>
    httpSide('direct', async (method, extra) => {
      const [{ signSharedKey }, { AZURE_API_VERSION }] = await Promise.all([sharedKey(), azureConfig()]);
      const url = new URL(`${accountUrl}/${CONTAINER}/direct/transfer.bin`);
      const headers = new Headers({ ...extra, 'x-ms-version': AZURE_API_VERSION, 'x-ms-date': new Date().toUTCString() });
      if (method === 'PUT') headers.set('x-ms-blob-type', 'BlockBlob');
      await signSharedKey(method, url, headers, accountName, accountKey);
      return { url: url.href, headers: Object.fromEntries(headers) };
    }),
};
