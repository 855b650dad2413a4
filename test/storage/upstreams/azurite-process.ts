import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signSharedKey } from '../../../src/storage/azure/shared-key';
import { AZURE_API_VERSION } from '../../../src/storage/azure/config';
import { freePort } from '../../e2e/global-setup';
import { AZURITE_ACCOUNT } from './azurite-account';

export interface AzuriteProcess {
  /** The blob service URL of the account: http://127.0.0.1:<port>/devstoreaccount1 */
  accountUrl: string;
  stop(): Promise<void>;
}

/** Azurite loads a large module graph at start: slow on a busy machine. */
const START_TIMEOUT_MS = 120_000;

/**
 * Azurite's blob service alone (`azurite-blob`) on 127.0.0.1 and a free port, storing in a temp
 * dir, with `containers` created through the Blob REST API (signed with the development key).
 * `--loose` lets Azurite ignore headers it does not implement rather than refuse the request.
 */
export async function startAzurite(containers: string[]): Promise<AzuriteProcess> {
  const directory = await mkdtemp(join(tmpdir(), 'bucketgate-azurite-'));
  const port = await freePort();
  const main = fileURLToPath(new URL('../../../node_modules/azurite/dist/src/blob/main.js', import.meta.url));
  const child = spawn(process.execPath, [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', directory, '--silent', '--loose', '--skipApiVersionCheck', '--disableTelemetry'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(directory, { recursive: true, force: true });
  };
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`azurite did not start:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('successfully listens')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`azurite exited (${code}):\n${output}`)));
  });
  // A start that fails or times out leaves no process and no directory behind.
  await started.catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  child.stdout.resume();
  child.stderr.resume();
  const accountUrl = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT.accountName}`;
  try {
    for (const container of containers) await createContainer(accountUrl, container);
  } catch (error) {
    await stop();
    throw error;
  }
  return { accountUrl, stop };
}

async function createContainer(accountUrl: string, container: string): Promise<void> {
  const url = new URL(`${accountUrl}/${container}?restype=container`);
  const headers = new Headers({ 'x-ms-version': AZURE_API_VERSION, 'x-ms-date': new Date().toUTCString() });
  await signSharedKey('PUT', url, headers, AZURITE_ACCOUNT.accountName, AZURITE_ACCOUNT.accountKey);
  const response = await fetch(url.href, { method: 'PUT', headers });
  if (response.status !== 201) throw new Error(`azurite: creating container ${container} answered ${response.status}: ${await response.text()}`);
}
