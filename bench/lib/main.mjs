// The benchmark run, start to end; bench/run.mjs describes it and launches it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { adminGetBucket, s3, startGateway } from './gateway.mjs';
import { measureGets } from './get-phase.mjs';
import { freePort, ROOT, startBaseline } from './processes.mjs';
import { table, verdicts } from './report.mjs';
import { baselineTarget, gatewayTarget } from './targets.mjs';
import { measureUploads } from './upload-phase.mjs';

const MiB = 1024 * 1024;
const OBJECT_BYTES = 1024;
const OBJECT_KEY = 'bench/object-1KiB.bin';
const TIME_LIMIT_MS = 10 * 60_000;
const SIGNING =
  'SigV4 Authorization header, one signature per request (each distinct: a signed x-bench-seq header), ' +
  'all computed before the timed window; x-amz-content-sha256 = SHA-256 of the empty body';

/** Everything started, stopped in reverse order by cleanup(). */
const resources = /** @type {{ stop(): unknown }[]} */ ([]);
let cleaningUp;
/** @type {string | undefined} */
let workDir;
let keepWorkDir = false;

function cleanup() {
  cleaningUp ??= (async () => {
    for (const resource of resources.reverse()) {
      try {
        await resource.stop();
      } catch (error) {
        console.error(`bench: cleanup: ${error instanceof Error ? error.message : error}`);
      }
    }
    if (workDir && !keepWorkDir) await rm(workDir, { recursive: true, force: true });
  })();
  return cleaningUp;
}

export async function main(argv) {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}, stopping servers`);
      cleanup().finally(() => process.exit(code));
    });
  }
  setTimeout(() => {
    console.error(`bench: still running after ${TIME_LIMIT_MS / 60_000} min, giving up`);
    cleanup().finally(() => process.exit(1));
  }, TIME_LIMIT_MS).unref();
  try {
    await run(parseOptions(argv));
  } catch (error) {
    // Once a signal or the time limit is stopping the servers, the run's own failures are the echo of that.
    if (cleaningUp) return;
    console.error(`bench: ${error instanceof Error ? error.message : error}`);
    if (workDir && !keepWorkDir) console.error("bench: rerun with --keep to keep the servers' logs");
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

async function run(options) {
  await assertSharedR2Bucket();
  workDir = await mkdtemp(join(tmpdir(), 'bucketgate-bench-'));
  const persistTo = join(workDir, 'state');
  await mkdir(persistTo);
  // A private dev registry: other `wrangler dev` sessions on the machine cannot make ours reload.
  process.env.WRANGLER_REGISTRY_PATH = join(workDir, 'registry');

  // Local R2 keeps a bucket in one SQLite file, which two workerd processes must not use while one
  // of them writes (a run where both wrote lost the baseline's workerd mid-upload). So the gateway
  // does all its writing before the baseline exists; the baseline writes only to its own bucket;
  // and the GETs, where both read the shared bucket, come last.
  const gatewayPort = await freePort();
  console.log(`bench: starting the gateway on :${gatewayPort} (work dir ${workDir})`);
  const gateway = await started(
    startGateway({ port: gatewayPort, persistTo, infoPath: join(workDir, 'gateway-info.json'), logPath: join(workDir, 'gateway.log') }),
  );
  const r2Key = await seedObject(gateway);
  const gatewaySide = gatewayTarget(gateway, OBJECT_KEY);
  console.log('bench: uploads through the gateway');
  const gatewayUploads = await measureUploads(gatewaySide, options.uploadBytes);

  const baselinePort = await freePort();
  console.log(`bench: starting the baseline on :${baselinePort}`);
  const baseline = await started(startBaseline({ port: baselinePort, persistTo, logPath: join(workDir, 'baseline.log') }));
  const baselineSide = baselineTarget(baseline, r2Key);
  console.log('bench: uploads to the baseline');
  const baselineUploads = await measureUploads(baselineSide, options.uploadBytes);
  const uploads = { gateway: gatewayUploads, baseline: baselineUploads };

  await assertSameObject(gateway, baselineSide, r2Key);
  console.log('bench: GETs');
  const get = await measureGets([baselineSide, gatewaySide], options);

  const results = {
    date: new Date().toISOString(),
    environment: await environment(),
    options,
    signing: SIGNING,
    workerd: { gateway: gateway.workerd, baseline: baseline.workerd },
    get,
    uploads,
  };
  const verdict = verdicts(results);
  const resultsDir = join(ROOT, 'bench/results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, 'latest.json'), `${JSON.stringify({ ...results, verdict }, null, 2)}\n`);
  console.log(`\n${table(results, verdict)}\n\nbench: wrote bench/results/latest.json`);
  if (!verdict.memoryFlat) process.exitCode = 1;
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '16' },
      warmup: { type: 'string', default: '200' },
      'small-mib': { type: 'string', default: '64' },
      'large-mib': { type: 'string', default: '1024' },
      keep: { type: 'boolean', default: false },
    },
  });
  const positiveInt = (name) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${values[name]}"`);
    return value;
  };
  keepWorkDir = Boolean(values.keep);
  return {
    requests: positiveInt('requests'),
    concurrency: positiveInt('concurrency'),
    warmup: positiveInt('warmup'),
    objectBytes: OBJECT_BYTES,
    uploadBytes: [positiveInt('small-mib') * MiB, positiveInt('large-mib') * MiB],
  };
}

/** Both Workers must bind STORAGE to the same R2 bucket, or the baseline would serve from another store. */
async function assertSharedR2Bucket() {
  const bucketName = async (file) =>
    (await readFile(join(ROOT, file), 'utf8')).match(/binding\s*=\s*"STORAGE"\s*\n\s*bucket_name\s*=\s*"([^"]+)"/)?.[1];
  const [gatewayBucket, baselineBucket] = await Promise.all([bucketName('wrangler.toml'), bucketName('bench/baseline.wrangler.toml')]);
  if (!gatewayBucket || gatewayBucket !== baselineBucket) {
    throw new Error(`STORAGE bucket_name differs: wrangler.toml "${gatewayBucket}", bench/baseline.wrangler.toml "${baselineBucket}"`);
  }
}

/** PUTs the 1 KiB object through the gateway (SigV4, hashed payload); returns its raw R2 key. */
async function seedObject(gateway) {
  const bucket = await adminGetBucket(gateway.info);
  if (bucket.backend?.type !== 'r2' || bucket.backend.binding !== 'STORAGE') {
    throw new Error(`bucket ${gateway.info.bucket} is not on the STORAGE R2 binding: ${JSON.stringify(bucket.backend)}`);
  }
  const put = await s3(gateway.info, { method: 'PUT', key: OBJECT_KEY, body: randomBytes(OBJECT_BYTES) });
  if (put.status !== 200) throw new Error(`seeding: PUT ${OBJECT_KEY} through the gateway → ${put.status}: ${put.text.slice(0, 500)}`);
  return `${bucket.backend.prefix}${OBJECT_KEY}`;
}

/** The two sides must serve the identical object: same bytes, same ETag. */
async function assertSameObject(gateway, baseline, r2Key) {
  const viaGateway = await s3(gateway.info, { method: 'GET', key: OBJECT_KEY });
  const [request] = await baseline.prepareGets(1);
  const viaBaseline = await fetch(request.url, { signal: AbortSignal.timeout(10_000) });
  const baselineBytes = Buffer.from(await viaBaseline.arrayBuffer());
  if (viaGateway.status !== 200 || viaBaseline.status !== 200) {
    throw new Error(`GET of the seeded object: gateway ${viaGateway.status}, baseline ${viaBaseline.status} (R2 key ${r2Key}): ${viaGateway.text.slice(0, 300)}`);
  }
  const sameBytes = viaGateway.body.length === OBJECT_BYTES && viaGateway.body.equals(baselineBytes);
  const sameEtag = viaGateway.headers.get('etag') === viaBaseline.headers.get('etag');
  if (!sameBytes || !sameEtag) {
    throw new Error(
      `gateway and baseline serve different objects (bytes ${sameBytes ? 'equal' : 'differ'}, ETag ${viaGateway.headers.get('etag')} vs ${viaBaseline.headers.get('etag')})`,
    );
  }
}

/** Awaits a server's start and registers it to be stopped at cleanup. */
async function started(start) {
  const server = await start;
  resources.push(server);
  return server;
}

async function environment() {
  const versionOf = async (pkg) => JSON.parse(await readFile(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  let commit;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    commit = undefined;
  }
  return {
    node: process.version,
    wrangler: await versionOf('wrangler'),
    workerd: await versionOf('workerd'),
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    commit,
  };
}
