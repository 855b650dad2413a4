// Phase b: large uploads, with the memory of the workerd processes watched while they stream.
import { peakRssBytes, resetPeakRss, sampleRss } from './memory.mjs';
import { putGenerated } from './upload.mjs';

const MiB = 1024 * 1024;
const IDLE_SAMPLE_MS = 1_000;

/**
 * For each size (small first, so a large upload's leftovers cannot inflate the small one's peak):
 * PUT a generated body while sampling the RSS of the workerd processes every 50 ms; read the
 * kernel's own RSS peak (VmHWM, reset just before); check the object landed with the right size;
 * delete it and check it is gone.
 */
export async function measureUploads(target, sizes) {
  const roles = processRoles(target);
  const pids = Object.values(roles);
  const idleSampler = sampleRss(pids);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
  const idle = await idleSampler.stop();

  const uploads = [];
  for (const size of sizes) {
    const name = `upload-${size / MiB}MiB.bin`;
    const request = await target.prepareUpload(name);
    const kernelPeakReset = (await Promise.all(pids.map(resetPeakRss))).every(Boolean);
    const rssSampler = sampleRss(pids);
    const put = await putGenerated(request.url, request.headers, size).catch((error) => error);
    const rss = await rssSampler.stop();
    const kernelPeaks = kernelPeakReset ? await Promise.all(pids.map(peakRssBytes)) : undefined;
    if (put instanceof Error) throw new Error(`${target.label}: PUT ${name} (${size} bytes) failed: ${put.message}`);
    if (put.status !== 200) throw new Error(`${target.label}: PUT ${name} (${size} bytes) → ${put.status}: ${put.text.slice(0, 500)}`);

    let stalls = 0;
    const verify = (send) => retryOnceIfStalled(send, () => stalls++);
    const landed = await verify((timeoutMs) => target.head(name, timeoutMs));
    if (landed.status !== 200 || landed.contentLength !== size) {
      throw new Error(`${target.label}: HEAD ${name} after upload → ${landed.status}, Content-Length ${landed.contentLength} (expected 200, ${size})`);
    }
    const deleted = await verify((timeoutMs) => target.remove(name, timeoutMs));
    const gone = await verify((timeoutMs) => target.head(name, timeoutMs));
    if (deleted !== 204 || gone.status !== 404) throw new Error(`${target.label}: DELETE ${name} → ${deleted}, then HEAD → ${gone.status} (expected 204, 404)`);

    uploads.push({
      bytes: size,
      elapsedMs: put.elapsedMs,
      verificationStalls: stalls,
      mibPerSecond: put.mibPerSecond,
      rss: Object.fromEntries(
        Object.entries(roles).map(([role, pid], i) => [
          role,
          { idle: idle[pid].mean, peakSampled: rss[pid].peak, peakKernel: kernelPeaks?.[i], samples: rss[pid].samples },
        ]),
      ),
    });
  }
  return uploads;
}

const VERIFY_TIMEOUT_MS = 10_000;

/**
 * The first request after a large upload through wrangler dev's proxy sometimes gets no answer at
 * all: its connection stalls while the Worker and a fresh connection answer at once (seen after
 * 1 GiB uploads to the bare Worker too). That is wrangler's, not what is measured, so a
 * verification request that times out is counted and sent once more, on a new connection.
 */
async function retryOnceIfStalled(send, onStall) {
  try {
    return await send(VERIFY_TIMEOUT_MS);
  } catch (error) {
    if (/** @type {any} */ (error)?.cause?.name !== 'TimeoutError') throw error;
    onStall();
    return send(VERIFY_TIMEOUT_MS);
  }
}

/** The workerd processes by role; the proxy is absent when wrangler runs without one. */
function processRoles(target) {
  const { runtime, proxy } = target.workerd;
  return proxy === undefined ? { runtime } : { runtime, proxy };
}

/** Peak RSS of a workerd process during an upload: the larger of the sampled and the kernel's peak. */
export function peakRss(upload, role = 'runtime') {
  const r = upload.rss[role];
  return r ? Math.max(r.peakSampled, r.peakKernel ?? 0) : NaN;
}
