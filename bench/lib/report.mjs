// What the measurements say: ratios, the memory verdict, and a compact table.
import { peakRss } from './upload-phase.mjs';

const MiB = 1024 * 1024;
/** Growth of the gateway isolate's heap from the small to the large upload that still counts as flat. */
export const ISOLATE_GROWTH_TOLERANCE = 8 * MiB;
/** Growth of the gateway's workerd RSS beyond the baseline's own growth that still counts as flat. */
export const RSS_GROWTH_TOLERANCE = 32 * MiB;

/** GET ratios (gateway ÷ baseline) and, per target, how memory moved from the small upload to the large one. */
export function verdicts({ get, uploads }) {
  const g = get.gateway;
  const b = get.baseline;
  const memory = Object.fromEntries(
    Object.entries(uploads).map(([label, [small, large]]) => {
      const isolate = (name) =>
        small.isolates && large.isolates
          ? { small: small.isolates[name].peak, large: large.isolates[name].peak, growth: large.isolates[name].peak - small.isolates[name].peak }
          : undefined;
      return [label, {
        rss: { small: peakRss(small), large: peakRss(large), largeOverSmall: peakRss(large) / peakRss(small), growth: peakRss(large) - peakRss(small) },
        workerIsolate: isolate('worker'),
        r2SimulatorIsolate: isolate('r2'),
        mibPerSecond: large.mibPerSecond,
      }];
    }),
  );
  const rssGrowthBeyondBaseline = memory.gateway.rss.growth - memory.baseline.rss.growth;
  const isolateGrowth = memory.gateway.workerIsolate?.growth;
  return {
    get: {
      requestsPerSecond: g.requestsPerSecond / b.requestsPerSecond,
      p50: g.p50Ms / b.p50Ms,
      p99: g.p99Ms / b.p99Ms,
      runtimeCpuPerRequest: g.runtimeCpuMicrosPerRequest / b.runtimeCpuMicrosPerRequest,
    },
    uploadThroughput: memory.gateway.mibPerSecond / memory.baseline.mibPerSecond,
    memory,
    rssGrowthBeyondBaseline,
    memoryFlat: rssGrowthBeyondBaseline <= RSS_GROWTH_TOLERANCE && (isolateGrowth === undefined || isolateGrowth <= ISOLATE_GROWTH_TOLERANCE),
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
  lines.push(row(['gw / base', x(r.get.requestsPerSecond), x(r.get.p50), x(r.get.p99), x(r.get.runtimeCpuPerRequest)], w1), '');

  const w2 = [18, 6, 9, 9, 11, 10, 10];
  lines.push(
    'PUT of a generated body, Content-Length set (gateway: SigV4 UNSIGNED-PAYLOAD). Peaks in MiB:',
    '  rss = workerd runtime process (Worker + local R2/D1/KV), proxy = wrangler\'s proxy workerd, isolates via the inspector',
    row(['', 'MiB/s', 'rss idle', 'rss peak', 'proxy peak', 'worker js', 'r2-sim js'], w2),
  );
  for (const label of ['gateway', 'baseline']) {
    for (const u of uploads[label]) {
      lines.push(row([
        `${label} ${size(u.bytes)}`, u.mibPerSecond.toFixed(0), mib(u.rss.runtime.idle), mib(peakRss(u)), mib(peakRss(u, 'proxy')),
        mib(u.isolates?.worker.peak), mib(u.isolates?.r2.peak),
      ], w2));
    }
  }
  const [small, large] = options.uploadBytes.map(size);
  for (const label of ['gateway', 'baseline']) {
    const m = r.memory[label];
    const iso = m.workerIsolate ? `, worker isolate ${signed(m.workerIsolate.growth)} MiB` : '';
    lines.push(`  ${label}: rss peak ${large} / ${small} = ${m.rss.largeOverSmall.toFixed(2)} (${signed(m.rss.growth)} MiB)${iso}`);
  }
  lines.push(
    `  gateway rss growth beyond the baseline's: ${signed(r.rssGrowthBeyondBaseline)} MiB; upload throughput ${x(r.uploadThroughput)} baseline`,
    `  → gateway memory ${r.memoryFlat ? 'does not grow with object size' : 'GROWS WITH OBJECT SIZE'}`,
  );
  return lines.join('\n');
}

const x = (ratio) => `${ratio.toFixed(2)}x`;
const mib = (bytes) => (bytes !== undefined && Number.isFinite(bytes) ? (bytes / MiB).toFixed(1) : '-');
const signed = (bytes) => `${bytes >= 0 ? '+' : ''}${(bytes / MiB).toFixed(1)}`;
const size = (bytes) => (bytes >= 1024 * MiB ? `${bytes / 1024 / MiB} GiB` : `${bytes / MiB} MiB`);
