// Closed-loop load: a fixed number of requests, `concurrency` in flight at a time, over Node's
// fetch (undici keeps connections alive and pools them per origin).

/**
 * Sends every request ({url, headers}) and reads each body to the end. A response that is not
 * 200 (with `expectBytes` bytes, when given) fails the run: a fast error is not a fast GET.
 */
export async function runLoad(requests, { concurrency, expectBytes, timeoutMs = 30_000 }) {
  /** @type {number[]} */
  const latencies = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const { url, headers } = requests[next++];
      const started = performance.now();
      const { response, body } = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) })
        .then(async (response) => ({ response, body: await response.arrayBuffer() }))
        .catch((error) => {
          throw new Error(`GET ${url}: ${error instanceof Error ? error.message : error}`);
        });
      latencies.push(performance.now() - started);
      if (response.status !== 200 || (expectBytes !== undefined && body.byteLength !== expectBytes)) {
        const text = new TextDecoder().decode(body.slice(0, 300));
        throw new Error(`GET ${url} → ${response.status}, ${body.byteLength} bytes (expected 200, ${expectBytes}): ${text}`);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, elapsedMs: performance.now() - started };
}

/** Throughput and latency percentiles (milliseconds) of one or more runs. */
export function summarize(latencies, elapsedMs) {
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: sorted.length,
    elapsedMs,
    requestsPerSecond: (sorted.length * 1000) / elapsedMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? 0,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
