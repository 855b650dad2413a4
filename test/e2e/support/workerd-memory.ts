import { readdir, readFile } from 'node:fs/promises';

interface ProcessEntry {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string[];
}

async function processes(): Promise<ProcessEntry[]> {
  const found: ProcessEntry[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      found.push({ pid: Number(entry), ppid, comm, cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/**
 * The workerd processes of the e2e gateway on `port`: descendants of the `scripts/dev.mjs --port
 * <port>` process that global-setup started (bench/lib/processes.mjs finds them the same way).
 */
export async function gatewayWorkerdPids(port: number): Promise<number[]> {
  const all = await processes();
  const root = all.find((p) => p.cmdline.some((a) => a.endsWith('scripts/dev.mjs')) && p.cmdline.join(' ').includes(`--port ${port}`));
  if (!root) throw new Error(`no scripts/dev.mjs process for port ${port}`);
  const descendants = new Set([root.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!descendants.has(p.pid) && descendants.has(p.ppid)) {
        descendants.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => descendants.has(p.pid) && p.comm === 'workerd').map((p) => p.pid);
}

export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`workerd ${pid} has no VmRSS (exited?)`);
  return Number(match[1]) * 1024;
}

export interface RssSamples {
  /** (epoch ms, summed RSS bytes), in time order. */
  samples: [number, number][];
  /**
   * When a process vanished and sampling stopped (wrangler dev restarts workerd on reload): only
   * the time before it measured the same processes.
   */
  lostAt?: number;
}

/** Samples the summed RSS of `pids` every `intervalMs` until stop(). */
export function sampleRss(pids: number[], intervalMs = 100): { stop(): Promise<RssSamples> } {
  const result: RssSamples = { samples: [] };
  let running = true;
  const loop = (async () => {
    while (running) {
      let values: number[];
      try {
        values = await Promise.all(pids.map(rssBytes));
      } catch {
        result.lostAt = Date.now();
        return;
      }
      result.samples.push([Date.now(), values.reduce((a, b) => a + b, 0)]);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return result;
    },
  };
}

/** A timed call, in epoch milliseconds. */
export interface Window {
  start: number;
  end: number;
}

/**
 * How far the summed RSS rose above its last value before `window` at any sample inside it. Throws
 * when the window was not sampled from start to end in the same processes.
 */
export function peakGrowth(memory: RssSamples, window: Window): number {
  const { samples, lostAt } = memory;
  if (lostAt !== undefined && lostAt <= window.end) throw new Error(`workerd restarted at ${lostAt}, before the window ended at ${window.end}`);
  const during = samples.filter(([t]) => t >= window.start && t <= window.end).map(([, v]) => v);
  if (during.length < 4) throw new Error(`only ${during.length} RSS samples in a ${window.end - window.start} ms window`);
  const before = samples.filter(([t]) => t < window.start).at(-1)?.[1] ?? samples[0]![1];
  return Math.max(...during) - before;
}
