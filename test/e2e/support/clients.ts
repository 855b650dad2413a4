import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { run } from './process';

export interface Client {
  /** What the tests call it, with the version found, e.g. "aws cli 1.45.11". */
  label: string;
  path: string;
  version: string;
}

interface Wanted {
  name: string;
  /** Executable names to look for on PATH and in the extra directories. */
  executables: string[];
  probe: string[];
  /** Must match the probe's output; the first group is the version. */
  version: RegExp;
}

const EXTRA_DIRS = ['/root/.pyenv/shims', '/usr/local/bin', '/usr/bin'];

/**
 * Finds the installed client of one generation by asking each candidate its version, so a test
 * named "aws cli 1.x" cannot silently run aws cli 2 (both are called `aws`).
 */
async function locate(wanted: Wanted): Promise<Client> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  const candidates = [...new Set(wanted.executables.flatMap((exe) => dirs.map((dir) => join(dir, exe))))].filter(existsSync);
  const seen: string[] = [];
  for (const path of candidates) {
    const result = await run(path, wanted.probe).catch(() => undefined);
    if (!result) continue;
    const output = `${result.stdout}\n${result.stderr}`.trim();
    const match = wanted.version.exec(output);
    if (result.code === 0 && match?.[1]) return { label: `${wanted.name} ${match[1]}`, path, version: match[1] };
    seen.push(`${path}: ${output.split('\n')[0]}`);
  }
  throw new Error(`${wanted.name} not found (.ci/run installs the clients). Candidates: ${seen.join('; ') || 'none'}`);
}

const BOTO3_PROBE = ['-c', 'import boto3, requests; print("boto3", boto3.__version__)'];

export const awsCliV1 = () =>
  locate({ name: 'aws cli', executables: ['aws'], probe: ['--version'], version: /aws-cli\/(1\.\d+\.\d+)/ });
export const awsCliV2 = () =>
  locate({ name: 'aws cli', executables: ['aws'], probe: ['--version'], version: /aws-cli\/(2\.\d+\.\d+)/ });
/** botocore ≥ 1.36 sends CRC checksums by default; older ones sign the payload only. */
export const boto3Current = () =>
  locate({ name: 'boto3', executables: ['python3'], probe: BOTO3_PROBE, version: /boto3 (1\.(?:3[6-9]|[4-9]\d)\.\d+)/ });
export const boto3Legacy = () =>
  locate({ name: 'boto3', executables: ['python3'], probe: BOTO3_PROBE, version: /boto3 (1\.(?:[0-2]\d|3[0-5])\.\d+)/ });
export const rclone = () =>
  locate({ name: 'rclone', executables: ['rclone'], probe: ['version'], version: /rclone v(\d+\.\d+\.\d+)/ });
export const s3cmd = () =>
  locate({ name: 's3cmd', executables: ['s3cmd'], probe: ['--version'], version: /s3cmd version (\d+\.\d+\.\d+)/ });
