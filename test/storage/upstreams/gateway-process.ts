import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopProcessGroup, waitForInfo } from '../../e2e/global-setup';
import type { GatewayInfo } from '../../e2e/support/gateway';
import { tempDir } from '../../e2e/support/files';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Kept after the run (gitignored) to read a failing contract case against the upstream gateway's side. */
const LOG = join(ROOT, '.bucketgate', 'storage-upstream-gateway.log');

export interface GatewayProcess {
  info: GatewayInfo;
  stop(): Promise<void>;
}

/**
 * A second, independent bucketgate (`scripts/dev.mjs`, as `npm run dev`) on a free port with its own
 * state, used as an S3 upstream: it prints the seeded `demo` bucket and a demo key with s3:* on it.
 * `vars` are passed as `--var NAME:VALUE`; `log` names its log file under .bucketgate/.
 */
export async function startGateway(options: { vars?: string[]; log?: string } = {}): Promise<GatewayProcess> {
  const dir = await tempDir('upstream-gateway');
  const infoFile = join(dir, 'gateway.json');
  const port = await freePort();
  mkdirSync(join(ROOT, '.bucketgate'), { recursive: true });
  const logPath = options.log ? join(ROOT, '.bucketgate', options.log) : LOG;
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
    log.end();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    return { info: await waitForInfo(dev, infoFile), stop };
  } catch (error) {
    await stop();
    const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
    throw new Error(`the upstream gateway did not start: ${(error as Error).message}\n${tail}`);
  }
}
