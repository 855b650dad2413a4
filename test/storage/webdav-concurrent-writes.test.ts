import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { openWebDavBackend } from '../../src/storage/drivers';
import type { WebDavDriverConfig } from '../../src/storage/webdav/config';
import { put, read } from './contract/support';
import './contract/provided';

/**
 * Concurrent writes into collections that do not exist yet, against the real Apache mod_dav
 * (adrs/0022, "Concurrent MKCOL"). Every PUT makes its parents with MKCOL first; when several
 * MKCOL the same new collection at once, mod_dav_fs checks "exists?" (→ 405) and then mkdir()s,
 * and the requests that lose the mkdir race get EEXIST, which it answers 403 Forbidden ("Unable to
 * create collection"). Before the driver checked for that, a burst like rclone's parallel
 * transfers came back as AccessDenied for some of the files.
 */
type Server = ReturnType<typeof inject<'apacheDav'>>;
let apache: Server;
let rclone: Server;

function backendAt(server: Server, prefix: string, probed: boolean) {
  const config: WebDavDriverConfig = {
    baseUrl: server.url,
    prefix,
    flavor: 'generic',
    auth: { kind: 'basic', username: server.username, password: server.password },
    conditionalWrites: probed,
    deadProperties: probed,
  };
  return openWebDavBackend(env, config);
}

beforeAll(() => {
  apache = inject('apacheDav');
  rclone = inject('rcloneWebDav');
});

const ROUNDS = 6;
const WRITERS = 24;

/**
 * rclone serve webdav (golang.org/x/net/webdav) answers the same race 423 Locked: every write takes
 * a temporary lock on its path, and a second MKCOL of that path meanwhile is refused.
 */
describe.each([
  ['Apache mod_dav', () => apache, true],
  ['rclone serve webdav', () => rclone, false],
] as const)('webdav driver (%s): concurrent writes into new collections', (_name, server, probed) => {
  it('every PUT of a burst into the same fresh nested collections succeeds, and every object reads back', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // A fresh prefix per round: no collection is known to this isolate or present on the server.
      const backend = backendAt(server(), `concurrent/${crypto.randomUUID().slice(0, 8)}/`, probed);
      const keys = Array.from({ length: WRITERS }, (_, i) => `deep/er/${i % 2 ? 'odd' : 'even'}/file-${i}.txt`);
      const outcomes = await Promise.allSettled(keys.map((key) => put(backend, key, `body of ${key}`)));
      const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${keys[i]}: ${(o.reason as Error).message} (${(o.reason as { kind?: string }).kind})`] : []));
      expect(failed, `round ${round}`).toEqual([]);
      for (const key of keys) expect(await read(backend, key)).toBe(`body of ${key}`);
    }
  });
});
