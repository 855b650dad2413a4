// Closed-loop GETs against several targets (the baseline and the gateway's variants), same request
// count and concurrency, alternating order.
import { runLoad, summarize } from './load.mjs';
import { cpuMicros } from './memory.mjs';


/**
 * Warms both targets up, then measures each in ROUNDS alternating rounds (baseline first, then
 * gateway first) so drift on a shared machine falls on both sides. CPU per request is the workerd
 * runtime process's user+system time over the measured rounds, divided by the request count.
 */
export async function measureGets(targets, { requests, warmup, concurrency, objectBytes, rounds: ROUNDS = 2 }) {
  const perRound = Math.ceil(requests / ROUNDS);
  const prepared = new Map();
  for (const target of targets) {
    await runLoad(await target.prepareGets(warmup), { concurrency, expectBytes: expected(target, objectBytes) });
    prepared.set(target, await target.prepareGets(perRound * ROUNDS));
  }
  const measured = new Map(targets.map((t) => [t, { latencies: [], elapsedMs: 0, runtimeCpuMicros: 0, proxyCpuMicros: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const requestsThisRound = prepared.get(target).slice(round * perRound, (round + 1) * perRound);
      const cpuBefore = await workerdCpu(target);
      const run = await runLoad(requestsThisRound, { concurrency, expectBytes: expected(target, objectBytes) });
      const cpuAfter = await workerdCpu(target);
      const m = measured.get(target);
      m.latencies.push(...run.latencies);
      m.elapsedMs += run.elapsedMs;
      m.runtimeCpuMicros += cpuAfter.runtime - cpuBefore.runtime;
      m.proxyCpuMicros += cpuAfter.proxy - cpuBefore.proxy;
    }
  }
  return Object.fromEntries(
    targets.map((target) => {
      const m = measured.get(target);
      const count = m.latencies.length;
      return [
        target.label,
        {
          ...summarize(m.latencies, m.elapsedMs),
          runtimeCpuMicrosPerRequest: m.runtimeCpuMicros / count,
          proxyCpuMicrosPerRequest: m.proxyCpuMicros / count,
        },
      ];
    }),
  );
}

/** A target may answer another size than the 1 KiB object (a listing: `expectBytes: undefined`). */
function expected(target, objectBytes) {
  return 'expectBytes' in target ? target.expectBytes : objectBytes;
}

async function workerdCpu(target) {
  const { runtime, proxy } = target.workerd;
  return { runtime: await cpuMicros(runtime), proxy: proxy === undefined ? 0 : await cpuMicros(proxy) };
}
