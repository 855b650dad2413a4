import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { GatewayInfo } from './support/gateway';
import { secretsInLog } from './support/log-secrets';
import { recordSecrets, SECRETS_FILE_ENV } from './support/secrets';
import { tempDir } from './support/files';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Kept after the run (gitignored), so a failing client can be read against the gateway's side. */
const LOG = join(ROOT, '.bucketgate', 'e2e-gateway.log');
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * Starts one isolated gateway for the whole suite — `scripts/dev.mjs` (the same path as
 * `npm run dev`) on a free port with its own --persist-to directory — and stops it at the end.
 */
export default async function setup(project: TestProject) {
  const dir = await tempDir('gateway');
  const infoFile = join(dir, 'gateway.json');
  const port = await freePort();
  // The secrets registry (support/secrets.ts): test workers inherit the variable.
  const secretsFile = join(dir, 'secrets.txt');
  process.env[SECRETS_FILE_ENV] = secretsFile;
  mkdirSync(join(ROOT, '.bucketgate'), { recursive: true });
  const log = createWriteStream(LOG);
  const dev = spawn(
    process.execPath,
    // ALLOW_INSECURE_ISSUERS: the STS tests' OIDC issuer (test/oidc/issuer.ts) is http on 127.0.0.1.
    // BASE_DOMAIN=localhost: `<bucket>.localhost:<port>` is virtual-hosted (addressing.test.ts, browser.test.ts);
    // clients reach `127.0.0.1:<port>` path-style as before.
    ['scripts/dev.mjs', '--port', String(port), '--persist-to', join(dir, 'state'), '--info-file', infoFile, '--var', 'ALLOW_INSECURE_ISSUERS:true', '--var', 'BASE_DOMAIN:localhost'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  dev.stdout?.pipe(log);
  dev.stderr?.pipe(log);

  let started = false;
  const stop = async () => {
    await stopProcessGroup(dev);
    await new Promise<void>((resolve) => log.end(resolve));
    const check = started ? secretsInLog(LOG, secretsFile) : undefined;
    await rm(dir, { recursive: true, force: true });
    // Issue 10: no secret the run created may appear in the gateway's log.
    if (check && check.requestLines === 0) throw new Error(`${LOG} holds no request log lines: the secret scan would prove nothing`);
    if (check && check.problems.length > 0) throw new Error(`secrets in the gateway log ${LOG}:\n${check.problems.join('\n')}`);
  };
  try {
    const info = await waitForInfo(dev, infoFile);
    started = true;
    recordSecrets(info.adminToken, info.secretAccessKey, ...(await devVarSecrets()));
    project.provide('gateway', info);
  } catch (error) {
    await stop();
    const tail = (await readFile(LOG, 'utf8').catch(() => '')).split('\n').slice(-40).join('\n');
    throw new Error(`the gateway did not start: ${(error as Error).message}\n--- ${LOG} (tail)\n${tail}`);
  }
  return stop;
}

/** MASTER_KEY and ADMIN_TOKEN from .dev.vars, which scripts/dev.mjs hands the gateway. */
async function devVarSecrets(): Promise<string[]> {
  const text = await readFile(join(ROOT, '.dev.vars'), 'utf8').catch(() => '');
  return [...text.matchAll(/^(?:MASTER_KEY|ADMIN_TOKEN)\s*=\s*"?([^"\n]+)"?\s*$/gm)].map((m) => m[1]!);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** dev.mjs writes the info file only once wrangler answers and the seed is in place. */
export async function waitForInfo(dev: ChildProcess, infoFile: string): Promise<GatewayInfo> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (dev.exitCode !== null || dev.signalCode !== null) throw new Error(`scripts/dev.mjs exited (${dev.exitCode ?? dev.signalCode})`);
    if (existsSync(infoFile)) return JSON.parse(await readFile(infoFile, 'utf8')) as GatewayInfo;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no answer within ${START_TIMEOUT_MS / 1000}s`);
}

/** SIGTERM to dev.mjs (it forwards to wrangler); the whole group is killed if that does not end it in time. */
export async function stopProcessGroup(dev: ChildProcess): Promise<void> {
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
