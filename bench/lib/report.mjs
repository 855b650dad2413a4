// What the measurements say: ratios, the memory verdict, and a compact table.
import { peakRss } from './upload-phase.mjs';

const MiB = 1024 * 1024;
/**
 * Growth of the gateway's workerd RSS (small → large upload) beyond the baseline's own growth that
 * still counts as flat. The local R2 simulator's native memory grows with object size on both
 * sides, by amounts that vary some tens of MiB between runs; buffering even a sixteenth of a
 * 1 GiB object exceeds this.
 */
export const RSS_GROWTH_TOLERANCE = 64 * MiB;

/** GET ratios (gateway ÷ baseline) and, per side, how peak memory moved from the small upload to the large one. */
export function verdicts({ get, uploads }) {
  const g = get.gateway;
  const b = get.baseline;
  const memory = Object.fromEntries(
    Object.entries(uploads).map(([label, [small, large]]) => [
      label,
      {
        runtimeRss: { small: peakRss(small), large: peakRss(large), largeOverSmall: peakRss(large) / peakRss(small), growth: peakRss(large) - peakRss(small) },
        proxyRss: { small: peakRss(small, 'proxy'), large: peakRss(large, 'proxy'), growth: peakRss(large, 'proxy') - peakRss(small, 'proxy') },
        mibPerSecond: large.mibPerSecond,
      },
    ]),
  );
  const rssGrowthBeyondBaseline = memory.gateway.runtimeRss.growth - memory.baseline.runtimeRss.growth;
  return {
    get: {
      requestsPerSecond: g.requestsPerSecond / b.requestsPerSecond,
      p50: g.p50Ms / b.p50Ms,
      p99: g.p99Ms / b.p99Ms,
      runtimeCpuPerRequest: g.runtimeCpuMicrosPerRequest / b.runtimeCpuMicrosPerRequest,
      addedRuntimeCpuMicrosPerRequest: g.runtimeCpuMicrosPerRequest - b.runtimeCpuMicrosPerRequest,
    },
    uploadThroughput: memory.gateway.mibPerSecond / memory.baseline.mibPerSecond,
    memory,
    rssGrowthBeyondBaseline,
    memoryFlat: rssGrowthBeyondBaseline <= RSS_GROWTH_TOLERANCE,
  };
}

export function table(results, verdict) {
  const { options, get, uploads } = results;
  const r = verdict;
  const lines = [];
  const row = (cells, widths) => '  ' + cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');

  const w1 = [10, 8, 8, 8, 11];
  lines.push(
    `GET ${options.objectBytes} B object: ${get.gateway.requests} requests per side at concurrency ${options.concurrency}, after ${options.warmup} warm-up`,
    `  gateway: ${results.signing}`,
    row(['', 'req/s', 'p50 ms', 'p99 ms', 'cpu µs/req'], w1),
  );
  for (const label of ['baseline', 'gateway']) {
    const m = get[label];
    lines.push(row([label, m.requestsPerSecond.toFixed(0), m.p50Ms.toFixed(2), m.p99Ms.toFixed(2), m.runtimeCpuMicrosPerRequest.toFixed(0)], w1));
  }
  lines.push(
    row(['gw / base', x(r.get.requestsPerSecond), x(r.get.p50), x(r.get.p99), x(r.get.runtimeCpuPerRequest)], w1),
    `  cpu = workerd runtime process (Worker + local R2/D1/KV simulators); the gateway adds ${r.get.addedRuntimeCpuMicrosPerRequest.toFixed(0)} µs per GET`,
    '',
  );

  const w2 = [18, 6, 9, 9, 11];
  lines.push(
    'PUT of a generated body, Content-Length set (gateway: SigV4 UNSIGNED-PAYLOAD). Peak RSS in MiB of the workerd',
    "  runtime process (Worker + local R2/D1/KV simulators) and of wrangler's proxy workerd:",
    row(['', 'MiB/s', 'idle', 'peak', 'proxy peak'], w2),
  );
  for (const label of ['gateway', 'baseline']) {
    for (const u of uploads[label]) {
      lines.push(row([`${label} ${size(u.bytes)}`, u.mibPerSecond.toFixed(0), mib(u.rss.runtime.idle), mib(peakRss(u)), mib(peakRss(u, 'proxy'))], w2));
    }
  }
  const [small, large] = options.uploadBytes.map(size);
  for (const label of ['gateway', 'baseline']) {
    const m = r.memory[label].runtimeRss;
    lines.push(`  ${label}: peak ${large} / ${small} = ${m.largeOverSmall.toFixed(2)} (${signed(m.growth)} MiB)`);
  }
  const stalls = ['gateway', 'baseline'].flatMap((label) => uploads[label].filter((u) => u.verificationStalls > 0).map((u) => `${label} ${size(u.bytes)}`));
  if (stalls.length > 0) lines.push(`  (wrangler's proxy left the first request after an upload unanswered, retried: ${stalls.join(', ')})`);
  lines.push(
    `  gateway growth beyond the baseline's (the local R2 simulator's): ${signed(r.rssGrowthBeyondBaseline)} MiB; upload throughput ${x(r.uploadThroughput)} baseline`,
    `  → gateway memory ${r.memoryFlat ? 'does not grow with object size' : 'GROWS WITH OBJECT SIZE'}`,
  );
  return lines.join('\n');
}

const x = (ratio) => `${ratio.toFixed(2)}x`;
const mib = (bytes) => (Number.isFinite(bytes) ? (bytes / MiB).toFixed(1) : '-');
const signed = (bytes) => (Number.isFinite(bytes) ? `${bytes >= 0 ? '+' : ''}${(bytes / MiB).toFixed(1)}` : '-');
const size = (bytes) => (bytes >= 1024 * MiB ? `${bytes / 1024 / MiB} GiB` : `${bytes / MiB} MiB`);
