// The benchmark run, start to end; bench/run.mjs describes it and launches it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { admin, adminGetBucket, s3, startGateway } from './gateway.mjs';
import { measureGets } from './get-phase.mjs';
import { runLoad } from './load.mjs';
import { freePort, ROOT, startBaseline } from './processes.mjs';
import { connectProfiler } from './profile.mjs';
import { table, verdicts } from './report.mjs';
import { assumeRole, measureExchanges, setUpSts } from './sts.mjs';
import { anonymousTarget, baselineListTarget, baselinePlatformTarget, baselineTarget, gatewayListTarget, gatewayTarget } from './targets.mjs';
import { measureUploads } from './upload-phase.mjs';
import { azureUpstream } from './azure.mjs';
import { s3Upstream } from './upstream.mjs';
import { measureUpstream } from './upstream-transfer.mjs';
import { webdavUpstream } from './webdav.mjs';

const MiB = 1024 * 1024;
const OBJECT_BYTES = 1024;
const OBJECT_KEY = 'bench/object-1KiB.bin';
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
  try {
    const options = parseOptions(argv);
    setTimeout(() => {
      console.error(`bench: still running after ${options.timeLimitMinutes} min, giving up`);
      cleanup().finally(() => process.exit(1));
    }, options.timeLimitMinutes * 60_000).unref();
    await run(options);
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

/** What `--only` can select; all of them by default. */
export const SECTIONS = ['get', 'sts-get', 'anon-get', 'list', 'sts', 'upstream', 'azure', 'webdav', 'uploads'];
/** The sections timing transfers through the gateway to an upstream server ÷ the same transfers direct to it. */
const UPSTREAM_KINDS = [s3Upstream, azureUpstream, webdavUpstream];
const LIST_KEYS = 1000;
const LIST_PREFIX = 'bench/list/';
const PUBLIC_BUCKET = 'bench-public';

async function run(options) {
  const want = (section) => options.only.includes(section);
  await assertSharedR2Bucket();
  workDir = await mkdtemp(join(tmpdir(), 'bucketgate-bench-'));
  const persistTo = join(workDir, 'state');
  await mkdir(persistTo);
  // A private dev registry: other `wrangler dev` sessions on the machine cannot make ours reload.
  process.env.WRANGLER_REGISTRY_PATH = join(workDir, 'registry');

  // Local R2 keeps a bucket in one SQLite file, which two workerd processes must not use while one
  // of them writes (a run where both wrote lost the baseline's workerd mid-upload). So the gateway
  // does all its writing before the baseline exists; the baseline writes only to its own bucket;
  // and the reads, where both read the shared bucket, come last.
  const gatewayPort = await freePort();
  const upstreamKinds = UPSTREAM_KINDS.filter((kind) => want(kind.section));
  const inspectorPort = options.profile ? await freePort() : undefined;
  console.log(`bench: starting the gateway on :${gatewayPort} (work dir ${workDir})`);
  const gateway = await started(
    startGateway({
      port: gatewayPort, persistTo, infoPath: join(workDir, 'gateway-info.json'), logPath: join(workDir, 'gateway.log'), inspectorPort,
      vars: ['ALLOW_INSECURE_ISSUERS:true', // Every upstream server listens on 127.0.0.1, on a port it picks when it starts.
      ...(upstreamKinds.length > 0 ? ['ALLOWED_UPSTREAM_HOSTS:127.0.0.1'] : [])],
    }),
  );
  const { r2Key, prefix } = await seedObject(gateway);
  const gatewaySide = gatewayTarget(gateway, OBJECT_KEY);
  const results = { date: new Date().toISOString(), environment: await environment(), options, signing: SIGNING };

  const getTargets = [gatewaySide];
  if (want('anon-get')) {
    await admin(gateway.info, 'POST', '/buckets', { name: PUBLIC_BUCKET, publicRead: true, cacheTtl: 0 });
    await putObject(gateway, PUBLIC_BUCKET, OBJECT_KEY, randomBytes(OBJECT_BYTES));
    getTargets.push(anonymousTarget(gateway, PUBLIC_BUCKET, OBJECT_KEY));
  }
  if (want('list')) {
    console.log(`bench: writing ${LIST_KEYS} keys to list`);
    await seedListing(gateway);
  }
  const sts = want('sts') || want('sts-get') ? await started(setUpSts(gateway.info, gateway.info.bucket)) : undefined;
  if (sts && want('sts-get')) {
    const session = await assumeRole(gateway.info, sts.roleArn, await sts.mintToken());
    getTargets.push(gatewayTarget(gateway, OBJECT_KEY, { label: 'gateway STS session', info: { ...gateway.info, ...session } }));
  }
  if (want('uploads')) {
    console.log('bench: uploads through the gateway');
    results.uploads = { gateway: await measureUploads(gatewaySide, options.uploadBytes) };
  }
  for (const kind of upstreamKinds) {
    console.log(`bench: starting the ${kind.title}`);
    const upstream = await started(kind.start(workDir));
    console.log(`bench: ${options.transferMib} MiB through the gateway to the ${kind.title}, and direct`);
    results[kind.section] = await measureUpstream(gateway, kind, upstream, {
      transferBytes: options.transferMib * MiB, repeats: options.transferRepeats, latencyOptions: { ...options, requests: options.upstreamRequests, concurrency: options.upstreamConcurrency, warmup: Math.min(options.warmup, 50) },
    });
    await upstream.stop();
  }

  const needsBaseline = ['get', 'sts-get', 'anon-get', 'list', 'uploads', 'sts'].some(want);
  let floorUrl;
  if (needsBaseline) {
    const baselinePort = await freePort();
    console.log(`bench: starting the baseline on :${baselinePort}`);
    const baseline = await started(startBaseline({ port: baselinePort, persistTo, logPath: join(workDir, 'baseline.log') }));
    const baselineSide = baselineTarget(baseline, r2Key);
    floorUrl = baseline.url;
    if (want('uploads')) {
      console.log('bench: uploads to the baseline');
      results.uploads.baseline = await measureUploads(baselineSide, options.uploadBytes);
    }
    await assertSameObject(gateway, baselineSide, r2Key);
    const measuredGets = getTargets.filter((t) => t !== gatewaySide || want('get'));
    if (measuredGets.length > 0) {
      console.log(`bench: GETs (${measuredGets.map((t) => t.label).join(', ')})`);
      results.get = await measureGets([baselineSide, baselinePlatformTarget(baseline, r2Key), ...measuredGets], options);
    }
    if (want('list')) {
      console.log('bench: ListObjectsV2 of 1000 keys');
      results.list = await measureGets(
        [baselineListTarget(baseline, `${prefix}${LIST_PREFIX}`), gatewayListTarget(gateway, gateway.info.bucket, LIST_PREFIX)],
        { ...options, requests: options.listRequests, warmup: Math.min(options.warmup, 20) },
      );
    }
  }
  if (sts && want('sts')) {
    console.log(`bench: ${options.stsExchanges} STS exchanges`);
    results.sts = await measureExchanges(gateway.info, sts, options.stsExchanges, floorUrl);
  }
  if (options.profile) {
    results.profile = [];
    for (const target of getTargets) {
      console.log(`bench: profiling ${options.requests} GETs (${target.label}) in the gateway's isolate`);
      results.profile.push(await profileGets(target, inspectorPort, options));
    }
    if (sts && want('sts')) {
      // Within the STS rate limit's minute the measured exchanges used most of it: what is left.
      const count = Math.max(0, 95 - options.stsExchanges);
      console.log(`bench: profiling ${count} STS exchanges in the gateway's isolate`);
      if (count > 0) results.profile.push(await profileExchanges(gateway.info, sts, count, inspectorPort));
    }
  }
  results.workerd = { gateway: gateway.workerd };

  const verdict = verdicts(results);
  const resultsDir = join(ROOT, 'bench/results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, 'latest.json'), `${JSON.stringify({ ...results, verdict }, null, 2)}\n`);
  console.log(`\n${table(results, verdict)}\n\nbench: wrote bench/results/latest.json`);
  if (verdict.memoryFlat === false) process.exitCode = 1;
}

/** Sequential STS exchanges (tokens minted first) with the V8 sampling profiler on, unmeasured. */
async function profileExchanges(info, sts, count, inspectorPort) {
  const profiler = await connectProfiler(inspectorPort);
  try {
    const tokens = [];
    for (let i = 0; i < count; i++) tokens.push(await sts.mintToken());
    await profiler.start();
    for (const token of tokens) await assumeRole(info, sts.roleArn, token);
    const path = join(ROOT, 'bench/results/gateway-sts-exchange.cpuprofile');
    return { label: 'STS exchange', path, top: await profiler.stop(path, 15) };
  } finally {
    profiler.close();
  }
}

/** GETs with the V8 sampling profiler on (unmeasured: profiling slows the isolate down). */
async function profileGets(target, inspectorPort, options) {
  const profiler = await connectProfiler(inspectorPort);
  try {
    const requests = await target.prepareGets(options.requests);
    await profiler.start();
    await runLoad(requests, { concurrency: options.concurrency, expectBytes: OBJECT_BYTES });
    const path = join(ROOT, `bench/results/${target.label.replaceAll(' ', '-')}-get.cpuprofile`);
    await mkdir(join(ROOT, 'bench/results'), { recursive: true });
    return { label: target.label, path, top: await profiler.stop(path, 15) };
  } finally {
    profiler.close();
  }
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', default: SECTIONS.join(',') },
      requests: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '16' },
      warmup: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '2' },
      'list-requests': { type: 'string', default: '200' },
      'sts-exchanges': { type: 'string', default: '60' },
      'small-mib': { type: 'string', default: '64' },
      'large-mib': { type: 'string', default: '1024' },
      'transfer-mib': { type: 'string', default: '256' },
      'transfer-repeats': { type: 'string', default: '1' },
      'upstream-requests': { type: 'string', default: '400' },
      'upstream-concurrency': { type: 'string', default: '4' },
      'time-limit-min': { type: 'string', default: '30' },
      profile: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const positiveInt = (name) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${values[name]}"`);
    return value;
  };
  const only = values.only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((s) => !SECTIONS.includes(s));
  if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  const stsExchanges = positiveInt('sts-exchanges');
  // wrangler.toml limits /.sts to 100 calls a minute per client: the session exchange and a warm-up come first.
  if (stsExchanges > 90) throw new Error('--sts-exchanges must be at most 90 (the STS rate limit is 100 a minute)');
  keepWorkDir = Boolean(values.keep);
  return {
    only,
    requests: positiveInt('requests'),
    concurrency: positiveInt('concurrency'),
    warmup: positiveInt('warmup'),
    rounds: positiveInt('rounds'),
    listRequests: positiveInt('list-requests'),
    stsExchanges,
    objectBytes: OBJECT_BYTES,
    uploadBytes: [positiveInt('small-mib') * MiB, positiveInt('large-mib') * MiB],
    transferMib: positiveInt('transfer-mib'),
    transferRepeats: positiveInt('transfer-repeats'),
    upstreamRequests: positiveInt('upstream-requests'),
    upstreamConcurrency: positiveInt('upstream-concurrency'),
    timeLimitMinutes: positiveInt('time-limit-min'),
    profile: Boolean(values.profile),
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

/** PUTs the 1 KiB object through the gateway (SigV4, hashed payload); returns its raw R2 key and the bucket's R2 prefix. */
async function seedObject(gateway) {
  const bucket = await adminGetBucket(gateway.info);
  if (bucket.backend?.type !== 'r2' || bucket.backend.binding !== 'STORAGE') {
    throw new Error(`bucket ${gateway.info.bucket} is not on the STORAGE R2 binding: ${JSON.stringify(bucket.backend)}`);
  }
  await putObject(gateway, gateway.info.bucket, OBJECT_KEY, randomBytes(OBJECT_BYTES));
  return { r2Key: `${bucket.backend.prefix}${OBJECT_KEY}`, prefix: bucket.backend.prefix };
}

async function putObject(gateway, bucket, key, body) {
  const put = await s3(gateway.info, { method: 'PUT', key, bucket, body });
  if (put.status !== 200) throw new Error(`seeding: PUT ${bucket}/${key} through the gateway → ${put.status}: ${put.text.slice(0, 500)}`);
}

/** LIST_KEYS small objects under LIST_PREFIX, 16 PUTs at a time. */
async function seedListing(gateway) {
  let next = 0;
  const body = Buffer.from('listed');
  const worker = async () => {
    while (next < LIST_KEYS) {
      const key = `${LIST_PREFIX}${String(next++).padStart(4, '0')}.txt`;
      await putObject(gateway, gateway.info.bucket, key, body);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
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
