// Process memory and CPU from /proc (Linux): RSS sampled on an interval, plus the kernel's own
// peak (VmHWM) reset before each measurement so a spike between two samples is not missed.
import { readFile, writeFile } from 'node:fs/promises';
import { repeat } from './repeat.mjs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux build.

async function statusField(pid, field) {
  const status = await readProc(pid, 'status');
  const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm'));
  // A process that has exited but is not yet reaped (a zombie) has no memory fields.
  if (!match) throw new Error(`workerd process ${pid} has exited (${/^State:\s+(.*)$/m.exec(status)?.[1] ?? 'state unknown'}): did wrangler dev reload or workerd crash?`);
  return Number(match[1]) * 1024;
}

/** Reads /proc/<pid>/<file>; a vanished process is named as such (wrangler dev restarts workerd on reload). */
async function readProc(pid, file) {
  try {
    return await readFile(`/proc/${pid}/${file}`, 'utf8');
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') {
      throw new Error(`workerd process ${pid} is gone: did wrangler dev reload (a watched source file changed) or crash?`);
    }
    throw error;
  }
}

export const rssBytes = (pid) => statusField(pid, 'VmRSS');
export const peakRssBytes = (pid) => statusField(pid, 'VmHWM');

/** Resets VmHWM to the current RSS (clear_refs "5"); false when the kernel refuses. */
export async function resetPeakRss(pid) {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** User + system CPU time the process has used so far, in microseconds. */
export async function cpuMicros(pid) {
  const stat = await readProc(pid, 'stat');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat; 12 and 13 counted after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** Samples the RSS of `pids` every `intervalMs` until stop(), which returns the peak and mean per pid. */
export function sampleRss(pids, intervalMs = 50) {
  const peak = new Map(pids.map((pid) => [pid, 0]));
  const sum = new Map(pids.map((pid) => [pid, 0]));
  let samples = 0;
  const sampler = repeat(async () => {
    const values = await Promise.all(pids.map(rssBytes));
    values.forEach((value, i) => {
      peak.set(pids[i], Math.max(peak.get(pids[i]), value));
      sum.set(pids[i], sum.get(pids[i]) + value);
    });
    samples++;
  }, intervalMs);
  return {
    async stop() {
      await sampler.stop();
      return Object.fromEntries(pids.map((pid) => [pid, { peak: peak.get(pid), mean: sum.get(pid) / samples, samples }]));
    },
  };
}
