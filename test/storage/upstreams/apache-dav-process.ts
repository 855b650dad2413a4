import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../e2e/support/dev-gateway';
import { awaitDavServer, collectOutput, stopChild } from './dav-process';

export interface ApacheDav {
  /** The DAV collection the tests store under, ending in '/'. */
  url: string;
  username: string;
  password: string;
  stop(): Promise<void>;
}

const APACHE = process.env.APACHE2_BIN ?? '/usr/sbin/apache2';
const MODULES = process.env.APACHE2_MODULES ?? '/usr/lib/apache2/modules';
const START_TIMEOUT_MS = 20_000;

/** `{SHA}` htpasswd entry (base64 of SHA-1): one of the formats mod_authn_file reads; no htpasswd binary needed. */
function htpasswdLine(username: string, password: string): string {
  return `${username}:{SHA}${createHash('sha1').update(password).digest('base64')}\n`;
}

/**
 * Apache httpd with mod_dav + mod_dav_fs (Debian `apache2`), foreground, on 127.0.0.1 and a free
 * port, everything (config, pid file, lock DB, logs, document root) in a temp dir removed on stop.
 * Basic auth guards `/dav/`. Run as root (CI containers), httpd drops its children to `nobody`,
 * so the temp dir is opened to them.
 */
export async function startApacheDav(): Promise<ApacheDav> {
  const dir = await mkdtemp(join(tmpdir(), 'bucketgate-apache-'));
  const root = join(dir, 'htdocs');
  await mkdir(join(root, 'dav'), { recursive: true });
  await mkdir(join(dir, 'lock'), { recursive: true });
  const port = await freePort();
  const username = 'gateway';
  const password = randomBytes(12).toString('hex');
  await writeFile(join(dir, 'htpasswd'), htpasswdLine(username, password));
  const asRoot = process.getuid?.() === 0;
  const config = [
    `ServerRoot "${dir}"`,
    `ServerName 127.0.0.1`,
    `Listen 127.0.0.1:${port}`,
    `PidFile "${join(dir, 'httpd.pid')}"`,
    `ErrorLog "${join(dir, 'error.log')}"`,
    // mod_dav logs why it refused a request (e.g. `(17)File exists: Unable to create collection`).
    `LogLevel warn dav:info`,
    ...['mpm_event', 'authn_core', 'authn_file', 'authz_core', 'authz_user', 'auth_basic', 'dav', 'dav_fs'].map(
      (m) => `LoadModule ${m}_module "${MODULES}/mod_${m}.so"`,
    ),
    ...(asRoot ? ['User nobody', 'Group nogroup'] : []),
    `StartServers 1`,
    `ServerLimit 2`,
    `ThreadsPerChild 25`,
    `MaxRequestWorkers 50`,
    `Timeout 60`,
    // Longer than any pause between a test's requests (workerd reuses pooled connections).
    `KeepAliveTimeout 120`,
    `LimitRequestBody 0`,
    `DocumentRoot "${root}"`,
    `DavLockDB "${join(dir, 'lock', 'DavLock')}"`,
    `<Directory "${root}">`,
    `  Require all denied`,
    `</Directory>`,
    `<Directory "${join(root, 'dav')}">`,
    `  Dav On`,
    `  AuthType Basic`,
    `  AuthName "bucketgate-test"`,
    `  AuthUserFile "${join(dir, 'htpasswd')}"`,
    `  Require valid-user`,
    `</Directory>`,
    '',
  ].join('\n');
  const confPath = join(dir, 'httpd.conf');
  await writeFile(confPath, config);
  if (asRoot) {
    for (const path of [dir, root, join(root, 'dav'), join(dir, 'lock')]) await chmod(path, 0o777);
    await chmod(join(dir, 'htpasswd'), 0o644);
  }
  const child = spawn(APACHE, ['-f', confPath, '-DFOREGROUND'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `http://127.0.0.1:${port}/dav/`;
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  await awaitDavServer(collectOutput(child), {
    name: 'apache2', url, auth, timeoutMs: START_TIMEOUT_MS,
    cleanUp: () => rm(dir, { recursive: true, force: true }),
    exitDetail: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''),
  });
  return {
    url,
    username,
    password,
    stop: async () => {
      await stopChild(child);
      // BUCKETGATE_KEEP_APACHE_DIR=1 keeps config and error.log for reading after the run.
      if (process.env.BUCKETGATE_KEEP_APACHE_DIR) console.log(`apache dir kept: ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    },
  };
}
