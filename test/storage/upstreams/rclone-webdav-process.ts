import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../e2e/support/dev-gateway';
import { awaitDavServer, collectOutput, stopChild } from './dav-process';

export interface RcloneWebDav {
  /** The served root, ending in '/'. */
  url: string;
  username: string;
  password: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;

/**
 * `rclone serve webdav` (Debian `rclone`) over a temp dir, on 127.0.0.1 and a free port, with basic
 * auth. `--etag-hash MD5` makes its getetag the file's MD5 (what an operator serving a bucket from
 * rclone would choose); it keeps no dead properties and ignores If-Match / If-None-Match, which the
 * runner's probe finds out for itself.
 */
export async function startRcloneWebDav(): Promise<RcloneWebDav> {
  const dir = await mkdtemp(join(tmpdir(), 'bucketgate-rclone-'));
  const port = await freePort();
  const username = 'gateway';
  const password = randomBytes(12).toString('hex');
  const child = spawn(
    process.env.RCLONE_BIN ?? 'rclone',
    ['serve', 'webdav', dir, '--addr', `127.0.0.1:${port}`, '--user', username, '--pass', password, '--etag-hash', 'MD5', '--config', '/dev/null'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = `http://127.0.0.1:${port}/`;
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const cleanUp = () => rm(dir, { recursive: true, force: true });
  await awaitDavServer(collectOutput(child), { name: 'rclone serve webdav', url, auth, timeoutMs: START_TIMEOUT_MS, cleanUp });
  return {
    url,
    username,
    password,
    stop: async () => {
      await stopChild(child);
      await cleanUp();
    },
  };
}
