import { spawn } from 'node:child_process';

export interface Completed {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a client to completion (no stdin, no shell) and captures what it printed. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<Completed> {
  const { env = clientEnv(), cwd, timeoutMs = 240_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        command: [command, ...args].join(' '),
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** Like run, but a non-zero exit fails the test with the command and what it printed. */
export async function succeed(command: string, args: readonly string[], options?: RunOptions): Promise<Completed> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(describeFailure(result));
  return result;
}

export function describeFailure(result: Completed): string {
  const tail = (text: string) => (text.length > 4000 ? `…${text.slice(-4000)}` : text);
  return `\`${result.command}\` exited ${result.code}\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`;
}

/**
 * The environment a client runs in: the machine's, without any AWS_* / RCLONE_* settings of the
 * person running the suite (AWS_CA_BUNDLE among them, which rclone chokes on), never via a proxy.
 */
export function clientEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|RCLONE_|S3CMD|BOTO)/.test(name) && !/_proxy$/i.test(name)) env[name] = value;
  }
  return { ...env, NO_PROXY: '*', no_proxy: '*', PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

/**
 * clientEnv for an AWS client that must see only what the test gives it: no config or
 * credentials files of the person running the suite, no instance metadata lookups.
 */
export function awsClientEnv(work: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return clientEnv({
    AWS_CONFIG_FILE: `${work}/no-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${work}/no-credentials`,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  });
}
