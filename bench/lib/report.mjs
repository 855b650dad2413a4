// What the measurements say: ratios, the memory verdict, and a compact table.
import { PLATFORM_BASELINE } from './targets.mjs';
import { peakRss } from './upload-phase.mjs';

const MiB = 1024 * 1024;
/**
 * Growth of the gateway's workerd RSS (small → large upload) beyond the baseline's own growth that
 * still counts as flat. The local R2 simulator's native memory grows with object size on both
 * sides, by amounts that vary some tens of MiB between runs; buffering even a sixteenth of a
 * 1 GiB object exceeds this.
 */
export const RSS_GROWTH_TOLERANCE = 64 * MiB;

/** Every ratio the run can give (each side ÷ its baseline measured in the same run), and the memory verdict. */
/** The results of the upstream sections (gateway ÷ direct to the same server), in report order. */
const UPSTREAM_SECTIONS = ['upstream', 'azure', 'webdav'];

export function verdicts(results) {
  const { get, list, uploads } = results;
  const verdict = {};
  if (get) {
    verdict.get = ratiosOver(get, 'baseline');
    // The gateway's own code: each gateway side ÷ the bare Worker that makes the same platform calls.
    if (get[PLATFORM_BASELINE]) verdict.getOverPlatform = ratiosOver(without(get, 'baseline'), PLATFORM_BASELINE);
  }
  if (list) verdict.list = ratiosOver(list, 'baseline list');
  for (const section of UPSTREAM_SECTIONS) {
    const upstream = results[section];
    if (!upstream) continue;
    const { gateway, direct } = upstream.mibPerSecond;
    verdict[section] = {
      put: gateway.put / direct.put,
      get: gateway.get / direct.get,
      ...(upstream.latency ? { latency: ratiosOver(upstream.latency, 'direct') } : {}),
    };
  }
  if (uploads) Object.assign(verdict, memoryVerdict(uploads));
  return verdict;
}

function without(measured, label) {
  return Object.fromEntries(Object.entries(measured).filter(([l]) => l !== label));
}

/** Each measured side ÷ the `base` side: req/s, p50, p99, CPU per request and the CPU it adds. */
function ratiosOver(measured, base) {
  const b = measured[base];
  return Object.fromEntries(
    Object.entries(measured)
      .filter(([label]) => label !== base)
      .map(([label, g]) => [
        label,
        {
          requestsPerSecond: g.requestsPerSecond / b.requestsPerSecond,
          p50: g.p50Ms / b.p50Ms,
          p99: g.p99Ms / b.p99Ms,
          runtimeCpuPerRequest: g.runtimeCpuMicrosPerRequest / b.runtimeCpuMicrosPerRequest,
          addedRuntimeCpuMicrosPerRequest: g.runtimeCpuMicrosPerRequest - b.runtimeCpuMicrosPerRequest,
        },
      ]),
  );
}

/** How each side's peak memory moved from the small upload to the large one (ADR 0006). */
function memoryVerdict(uploads) {
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
  if (!memory.baseline) return { memory };
  const rssGrowthBeyondBaseline = memory.gateway.runtimeRss.growth - memory.baseline.runtimeRss.growth;
  return {
    uploadThroughput: memory.gateway.mibPerSecond / memory.baseline.mibPerSecond,
    memory,
    rssGrowthBeyondBaseline,
    memoryFlat: rssGrowthBeyondBaseline <= RSS_GROWTH_TOLERANCE,
  };
}

export function table(results, verdict) {
  const { options, get, list, sts, uploads, profile } = results;
  const lines = [];
  const row = (cells, widths) => '  ' + cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  const w1 = [36, 8, 8, 8, 11];
  const loadTable = (measured, ratios, base) => {
    lines.push(row(['', 'req/s', 'p50 ms', 'p99 ms', 'cpu µs/req'], w1));
    for (const [label, m] of Object.entries(measured)) {
      lines.push(row([label, m.requestsPerSecond.toFixed(0), m.p50Ms.toFixed(2), m.p99Ms.toFixed(2), m.runtimeCpuMicrosPerRequest.toFixed(0)], w1));
    }
    for (const [label, r] of Object.entries(ratios)) {
      lines.push(row([`${label} / ${base}`, x(r.requestsPerSecond), x(r.p50), x(r.p99), x(r.runtimeCpuPerRequest)], w1));
    }
    for (const [label, r] of Object.entries(ratios)) lines.push(`  ${label} adds ${r.addedRuntimeCpuMicrosPerRequest.toFixed(0)} µs of workerd CPU per request`);
    lines.push('');
  };

  if (get) {
    const count = Object.values(get)[0].requests;
    lines.push(
      `GET ${options.objectBytes} B object: ${count} requests per side at concurrency ${options.concurrency}, ${options.rounds} alternating rounds, after ${options.warmup} warm-up`,
      `  gateway: ${results.signing}; anonymous: a public-read bucket, edge cache off (cacheTtl 0)`,
      '  cpu = workerd runtime process (Worker + local R2/D1/KV simulators)',
      `  both Workers in wrangler's local runtime ${options.profile ? 'with' : 'without'} the devtools inspector attached (scripts/serve-worker.mjs)`,
    );
    loadTable(get, verdict.get, 'baseline');
    if (verdict.getOverPlatform) {
      lines.push(`  over the bare Worker making the platform calls every gateway request makes (one rate-limit call, one log line; both simulated by wrangler dev):`);
      for (const [label, r] of Object.entries(verdict.getOverPlatform)) {
        lines.push(row([`${label} / platform`, x(r.requestsPerSecond), x(r.p50), x(r.p99), x(r.runtimeCpuPerRequest)], w1));
      }
      for (const [label, r] of Object.entries(verdict.getOverPlatform)) lines.push(`  ${label} adds ${r.addedRuntimeCpuMicrosPerRequest.toFixed(0)} µs over it`);
      lines.push('');
    }
  }
  if (list) {
    lines.push(`ListObjectsV2 of 1000 keys (one page) vs the bare Worker's R2 list of the same prefix as JSON: ${Object.values(list)[0].requests} requests per side`);
    loadTable(list, verdict.list, 'baseline list');
  }
  if (sts) {
    lines.push(
      `STS AssumeRoleWithWebIdentity, JWKS cached, ${sts.exchanges} sequential calls: p50 ${sts.p50Ms.toFixed(2)} ms, p99 ${sts.p99Ms.toFixed(2)} ms (max ${sts.maxMs.toFixed(2)} ms)`,
      ...(sts.floorP50Ms === undefined
        ? []
        : [
            `  the bare Worker's cheapest answer, timed the same way: p50 ${sts.floorP50Ms.toFixed(2)} ms; the exchange adds ${(sts.p50Ms - sts.floorP50Ms).toFixed(2)} ms over it`,
            `  the bare Worker making an exchange's platform calls (rate limit, KV read, log line, D1 audit row): p50 ${sts.platformP50Ms.toFixed(2)} ms; the exchange adds ${(sts.p50Ms - sts.platformP50Ms).toFixed(2)} ms over it`,
          ]),
      '',
    );
  }
  for (const section of UPSTREAM_SECTIONS) {
    const upstream = results[section];
    if (!upstream) continue;
    const { gateway, direct } = upstream.mibPerSecond;
    lines.push(
      `${upstream.title}: ${size(upstream.transferBytes)} PUT and GET, ${upstream.repeats} alternating rounds, median MiB/s`,
      row(['', 'PUT', 'GET'], [24, 8, 8]),
      row(['direct to the upstream', direct.put.toFixed(0), direct.get.toFixed(0)], [24, 8, 8]),
      row(['through the gateway', gateway.put.toFixed(0), gateway.get.toFixed(0)], [24, 8, 8]),
      row(['gateway / direct', x(verdict[section].put), x(verdict[section].get)], [24, 8, 8]),
    );
    if (upstream.latency) {
      lines.push('  1 KiB GETs, signed, through the gateway vs direct to the upstream (cpu: each side\'s own runtime process):');
      loadTable(upstream.latency, verdict[section].latency, 'direct');
    } else lines.push('');
  }
  if (uploads?.baseline) lines.push(...uploadLines(options, uploads, verdict), '');
  for (const p of profile ?? []) {
    lines.push(`Profile of GETs (${p.label}) in the gateway's isolate (${p.path}), self time:`);
    for (const f of p.top) lines.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
  }
  return lines.join('\n');
}

function uploadLines(options, uploads, r) {
  const lines = [];
  const row = (cells, widths) => '  ' + cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
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
  return lines;
}

const x = (ratio) => `${ratio.toFixed(2)}x`;
const mib = (bytes) => (Number.isFinite(bytes) ? (bytes / MiB).toFixed(1) : '-');
const signed = (bytes) => (Number.isFinite(bytes) ? `${bytes >= 0 ? '+' : ''}${(bytes / MiB).toFixed(1)}` : '-');
const size = (bytes) => (bytes >= 1024 * MiB ? `${bytes / 1024 / MiB} GiB` : `${bytes / MiB} MiB`);
