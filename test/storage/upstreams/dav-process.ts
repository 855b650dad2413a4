import type { ChildProcess } from 'node:child_process';

/** A started server child whose stdout and stderr are collected for failure messages. */
export interface ServerChild {
  child: ChildProcess;
  output(): string;
}

export function collectOutput(child: ChildProcess): ServerChild {
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

/**
 * Waits until the WebDAV server at `url` answers PROPFIND Depth 0 with 207 (every 100 ms, until
 * `timeoutMs`). A child that exits first fails the start with its output and `exitDetail()` (e.g.
 * its error log), after `cleanUp()`; a deadline passed stops the child.
 */
export async function awaitDavServer(
  server: ServerChild,
  { name, url, auth, timeoutMs, cleanUp, exitDetail = async () => '' }: {
    name: string; url: string; auth: string; timeoutMs: number; cleanUp: () => Promise<void>; exitDetail?: () => Promise<string>;
  },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null) {
      const detail = await exitDetail();
      await cleanUp();
      throw new Error(`${name} exited (${server.child.exitCode}):\n${server.output()}\n${detail}`);
    }
    const ready = await fetch(url, { method: 'PROPFIND', headers: { authorization: auth, depth: '0' } }).then((r) => r.status === 207, () => false);
    if (ready) return;
    if (Date.now() > deadline) {
      server.child.kill('SIGTERM');
      throw new Error(`${name} did not start:\n${server.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then the exit: both servers stop their own children and exit on it. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
