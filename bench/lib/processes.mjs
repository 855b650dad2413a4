// Starting and stopping the two servers the benchmark compares, and finding their workerd processes.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');

/** A port on 127.0.0.1 that was free a moment ago (the kernel's pick, released at once). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node <args>` in its own process group, so stop() ends it together with wrangler, esbuild
 * and both workerd processes (wrangler's proxy on the public port, and the runtime that runs the
 * Worker with local R2/D1/KV), and waits until `isReady()` holds.
 */
export async function startDevServer({ label, args, port, logPath, isReady, timeoutMs = 300_000 }) {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, args, { cwd: ROOT, env: offlineEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const exitedPromise = new Promise((resolve) => child.on('exit', () => { exited = true; resolve(undefined); }));
  const pid = /** @type {number} */ (child.pid);

  const server = {
    label,
    url: `http://127.0.0.1:${port}`,
    logPath,
    /** workerd processes: `runtime` runs the Worker, `proxy` is wrangler's proxy on the public port. */
    workerd: /** @type {{ runtime: number, proxy: number | undefined }} */ ({ runtime: 0, proxy: undefined }),
    /** Stops the whole process group; idempotent. */
    async stop() {
      if (!exited) {
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5_000);
        await exitedPromise;
        clearTimeout(timer);
      }
      // workerd may outlive a parent that exited on SIGTERM before it did.
      signalGroup(pid, 'SIGKILL');
    },
  };
  try {
    const deadline = Date.now() + timeoutMs;
    while (!(await isReady())) {
      if (exited) throw new Error('exited during startup');
      if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    server.workerd = await findWorkerd(pid, port);
  } catch (error) {
    await server.stop();
    throw new Error(`${label}: ${error instanceof Error ? error.message : error}; see ${logPath}`);
  }
  return server;
}

/**
 * The bare Worker in wrangler's local runtime, sharing the gateway's --persist-to directory. Like
 * the gateway in the bench, without the devtools inspector (scripts/serve-worker.mjs) unless
 * `inspector` asks for it, as a test that starts it alone may.
 */
export async function startBaseline({ port, persistTo, logPath, inspector = false }) {
  const config = join(ROOT, 'bench/baseline.wrangler.toml');
  const args = inspector
    ? [
      WRANGLER, 'dev', '--config', config, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
      '--persist-to', persistTo, '--show-interactive-dev-session=false', '--log-level', 'warn',
    ]
    : [join(ROOT, 'scripts/serve-worker.mjs'), '--config', config, '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistTo];
  const url = `http://127.0.0.1:${port}`;
  return startDevServer({ label: 'baseline', args, port, logPath, isReady: () => answers(url) });
}

/** True once `url` answers HTTP at all. */
export async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Wrangler stays off the network (telemetry, update check, cf.json download): the bench is 127.0.0.1 only. */
function offlineEnv() {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    NO_COLOR: '1',
    CI: '1',
  };
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ESRCH') throw error;
  }
}

/** Descendants of `rootPid` that are workerd; the proxy is the one bound to the public port. */
async function findWorkerd(rootPid, publicPort) {
  const processes = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      processes.push({ pid: Number(entry), ppid, comm });
    } catch {
      // The process ended while we looked.
    }
  }
  const descendants = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of processes) {
      if (!descendants.has(p.pid) && descendants.has(p.ppid)) {
        descendants.add(p.pid);
        grew = true;
      }
    }
  }
  let proxy;
  const runtimes = [];
  for (const p of processes) {
    if (!descendants.has(p.pid) || p.comm !== 'workerd') continue;
    const cmdline = (await readFile(`/proc/${p.pid}/cmdline`, 'utf8')).split('\0');
    if (cmdline.some((arg) => arg.endsWith(`entry=127.0.0.1:${publicPort}`))) proxy = p.pid;
    else runtimes.push(p.pid);
  }
  if (runtimes.length !== 1) throw new Error(`expected one workerd runtime process, found ${runtimes.length}`);
  return { runtime: /** @type {number} */ (runtimes[0]), proxy };
}
