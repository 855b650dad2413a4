// The JavaScript heaps of the isolates inside one workerd process (the Worker's own, and the local
// R2 simulator's), read over the V8 inspector protocol that `wrangler dev` has workerd expose.
// Process RSS mixes both; on the edge only the Worker's isolate counts against its memory limit.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { repeat } from './repeat.mjs';

/** @typedef {{ usedSize: number, totalSize: number, embedderHeapUsedSize?: number, backingStorageSize?: number }} HeapUsage */

/** The inspector port of workerd `pid` and its targets (one per isolate), or undefined if none answers. */
export async function findInspector(pid) {
  for (const port of await listeningPorts(pid)) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2_000) });
      const targets = await response.json();
      if (Array.isArray(targets) && targets.some((t) => typeof t.id === 'string')) {
        return { port, ids: targets.map((t) => String(t.id)) };
      }
    } catch {
      // Not the inspector (the Worker's own socket, or a loopback service).
    }
  }
  return undefined;
}

/** TCP ports `pid` listens on: its socket inodes matched against the kernel's LISTEN table. */
async function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = target.match(/^socket:\[(\d+)\]$/);
    if (match) inodes.add(match[1]);
  }
  const ports = [];
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT" in hex; st 0A is LISTEN; the inode is field 10.
      if (fields[3] === '0A' && inodes.has(fields[9])) ports.push(parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports;
}

const CALL_TIMEOUT_MS = 10_000;
const ATTEMPTS = 3;

/**
 * A protocol session with one isolate; heapUsage() is Runtime.getHeapUsage.
 * workerd allows one session per isolate and a second connection ends both; `wrangler dev` holds
 * one to the Worker's isolate (to show its console output) and does not reconnect once it is
 * closed. So the first attempt may be closed at once, and the next one keeps the isolate to itself.
 */
export async function openIsolate(port, id) {
  let lastError;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const session = await connect(port, id);
    try {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await session.heapUsage();
      return session;
    } catch (error) {
      lastError = error;
      session.stop();
    }
  }
  throw new Error(`inspector: no lasting session with ${id}: ${lastError instanceof Error ? lastError.message : lastError}`);
}

async function connect(port, id) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/${id}`);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`inspector: cannot connect to ${id} on port ${port}`));
  });
  const pending = new Map();
  let lastId = 0;
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    pending.get(message.id)?.(message); // events carry no id
  };
  socket.onclose = () => {
    for (const settle of [...pending.values()]) settle({ error: { message: `inspector: ${id} closed (did workerd restart?)` } });
  };
  const call = (method) =>
    new Promise((resolve, reject) => {
      // A closed socket drops what is sent; without this check the call would wait for the timeout.
      if (socket.readyState !== WebSocket.OPEN) {
        reject(new Error(`inspector: ${id} closed (did workerd restart?)`));
        return;
      }
      const callId = ++lastId;
      const timer = setTimeout(() => pending.get(callId)?.({ error: { message: `no reply from ${id} in ${CALL_TIMEOUT_MS / 1000} s` } }), CALL_TIMEOUT_MS);
      pending.set(callId, (message) => {
        clearTimeout(timer);
        pending.delete(callId);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      });
      socket.send(JSON.stringify({ id: callId, method }));
    });
  return {
    id,
    /** @returns {Promise<HeapUsage>} */
    heapUsage: () => call('Runtime.getHeapUsage'),
    stop: () => socket.close(),
  };
}

/** JS heap + wrapper objects + ArrayBuffer backing stores (where stream chunks live). */
export function isolateBytes(usage) {
  return usage.usedSize + (usage.embedderHeapUsedSize ?? 0) + (usage.backingStorageSize ?? 0);
}

/** Samples isolateBytes() of each session every `intervalMs` until stop(), which returns the peaks by name. */
export function sampleHeaps(sessions, intervalMs = 50) {
  const peaks = Object.fromEntries(Object.keys(sessions).map((name) => [name, 0]));
  const sampler = repeat(async () => {
    const usages = await Promise.all(Object.values(sessions).map((session) => session.heapUsage()));
    Object.keys(sessions).forEach((name, i) => {
      peaks[name] = Math.max(peaks[name], isolateBytes(usages[i]));
    });
  }, intervalMs);
  return {
    async stop() {
      await sampler.stop();
      return peaks;
    },
  };
}
