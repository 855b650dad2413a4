// The `webdav` section: a bucket on a `webdav` connection to Apache httpd's mod_dav (started here
// as the backend contract tests start it) through the gateway, against the same transfers sent
// straight to Apache (plain PUT/GET, basic auth), in one run (upstream-transfer.mjs times them).
import './typescript-imports.mjs';
import { httpSide, VIA_GATEWAY_PREFIX } from './upstream-transfer.mjs';

// The project's TypeScript, imported as it is (typescript-imports.mjs), at call time: the hook must be registered first.
const apache = () => import('../../test/storage/upstreams/apache-dav-process.ts');

/** @type {import('./upstream-transfer.mjs').UpstreamKind} */
export const webdavUpstream = {
  section: 'webdav',
  title: 'webdav upstream (Apache mod_dav)',
  async start() {
    const { startApacheDav } = await apache();
    const dav = await startApacheDav();
    // The bucket's collection: made here, as an operator would before pointing a bucket at it.
    const made = await fetch(`${dav.url}${VIA_GATEWAY_PREFIX}`, { method: 'MKCOL', headers: { authorization: basic(dav) } });
    if (made.status !== 201) {
      await dav.stop();
      throw new Error(`webdav: MKCOL ${VIA_GATEWAY_PREFIX} → ${made.status}`);
    }
    return dav;
  },
  connection: ({ url, username, password }) => ({
    kind: 'webdav', name: 'bench-webdav', baseUrl: url, flavor: 'generic', auth: { mode: 'basic', username, password },
  }),
  location: () => ({ type: 'webdav' }),
  direct: (dav) => httpSide('direct', async (_method, extra) => ({ url: `${dav.url}direct-transfer.bin`, headers: { ...extra, authorization: basic(dav) } })),
};

function basic({ username, password }) {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
