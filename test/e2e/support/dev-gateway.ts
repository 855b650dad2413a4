import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './files';
import type { GatewayInfo } from './gateway';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;

/** A running `scripts/dev.mjs` (the same path as `npm run dev`) with its own state directory. */
export interface DevGateway {
  info: GatewayInfo;
  /** Its captured stdout/stderr, complete once `stop` resolved. */
  logPath: string;
  stop(): Promise<void>;
}

export interface DevGatewayOptions {
  /** Port to listen on; a free one when omitted (pass one when a var must name the gateway's own URL). */
  port?: number;
  /** `NAME:VALUE`, passed to `wrangler dev --var`. */
  vars?: string[];
  /** Log file name under .bucketgate/ (gitignored), kept after the run to read a failure against the gateway's side. */
  log: string;
}

/**
 * Starts one isolated bucketgate on 127.0.0.1 — its own port and --persist-to directory — and
 * resolves once it answers and its seed (the `demo` bucket and a demo key) is in place.
 */
export async function startDevGateway(options: DevGatewayOptions): Promise<DevGateway> {
  const dir = await tempDir('gateway');
  const infoFile = join(dir, 'gateway.json');
  const port = options.port ?? (await freePort());
  mkdirSync(join(ROOT, '.bucketgate'), { recursive: true });
  const logPath = join(ROOT, '.bucketgate', options.log);
  const log = createWriteStream(logPath);
  const vars = (options.vars ?? []).flatMap((v) => ['--var', v]);
  const dev = spawn(process.execPath, ['scripts/dev.mjs', '--port', String(port), '--persist-to', join(dir, 'state'), '--info-file', infoFile, ...vars], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  dev.stdout?.pipe(log);
  dev.stderr?.pipe(log);
  const stop = async () => {
    await stopProcessGroup(dev);
    await new Promise<void>((resolve) => log.end(resolve));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    return { info: await waitForInfo(dev, infoFile), logPath, stop };
  } catch (error) {
    await stop();
    const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-40).join('\n');
    throw new Error(`the gateway did not start: ${(error as Error).message}\n--- ${logPath} (tail)\n${tail}`);
  }
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `count` distinct ports free a moment ago: all are held open until every one is picked, so two
 * gateways started together never get the same one (a port closed and asked for again may be).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** dev.mjs writes the info file only once wrangler answers and the seed is in place. */
async function waitForInfo(dev: ChildProcess, infoFile: string): Promise<GatewayInfo> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (dev.exitCode !== null || dev.signalCode !== null) throw new Error(`scripts/dev.mjs exited (${dev.exitCode ?? dev.signalCode})`);
    // The file may be seen while dev.mjs is still writing it: read it again until it parses.
    if (existsSync(infoFile)) {
      try {
        return JSON.parse(await readFile(infoFile, 'utf8')) as GatewayInfo;
      } catch {
        // not complete yet
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no answer within ${START_TIMEOUT_MS / 1000}s`);
}

/** SIGTERM to dev.mjs (it forwards to wrangler); the whole group is killed if that does not end it in time. */
async function stopProcessGroup(dev: ChildProcess): Promise<void> {
  if (dev.exitCode !== null || dev.signalCode !== null || dev.pid === undefined) return;
  const exited = new Promise<void>((resolve) => dev.once('exit', () => resolve()));
  dev.kill('SIGTERM');
  const timer = setTimeout(() => process.kill(-dev.pid!, 'SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  // wrangler's children (workerd) share the group; make sure none outlives the suite.
  try {
    process.kill(-dev.pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}
