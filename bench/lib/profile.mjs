// The V8 CPU profiler of the gateway's isolate, over wrangler dev's inspector proxy (--inspector-port):
// started before a measured phase, stopped after it, summarised as self time per function.
import { writeFile } from 'node:fs/promises';

/** Opens the inspector session of the Worker's isolate; the caller starts and stops the profiler. */
export async function connectProfiler(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`, { signal: AbortSignal.timeout(10_000) })).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on :${inspectorPort}: ${JSON.stringify(targets)}`);
  // The inspector proxy accepts only local origins (and a client that names one).
  const socket = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: 'http://127.0.0.1' } });
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', () => reject(new Error(`inspector ${target.webSocketDebuggerUrl}: connection failed`)), { once: true });
  });
  let nextId = 1;
  const pending = new Map();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data));
    const waiter = message.id !== undefined ? pending.get(message.id) : undefined;
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`inspector: ${message.error.message}`));
    else waiter.resolve(message.result);
  });
  const call = (method, params = {}, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => (pending.delete(id), reject(new Error(`inspector: ${method} timed out`))), timeoutMs);
      pending.set(id, { resolve: (v) => (clearTimeout(timer), resolve(v)), reject: (e) => (clearTimeout(timer), reject(e)) });
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 50 });
  return {
    start: () => call('Profiler.start'),
    /** Stops the profiler, writes the .cpuprofile and returns the top functions by self time. */
    async stop(path, top = 25) {
      const { profile } = await call('Profiler.stop', {}, 120_000);
      await writeFile(path, JSON.stringify(profile));
      return selfTimes(profile).slice(0, top);
    },
    close: () => socket.close(),
  };
}

/** Self time per function (name, file:line), as a share of all samples that were not idle. */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map();
  let busy = 0;
  for (const id of profile.samples) {
    const frame = byId.get(id).callFrame;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    busy++;
    const file = frame.url.split('/').slice(-2).join('/');
    const name = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, samples]) => ({ name, samples, share: samples / busy }));
}
