#!/usr/bin/env node
/**
 * `npm run dev`: the gateway on 127.0.0.1 with local D1/KV/R2, ready for real S3 clients.
 *
 *   node scripts/dev.mjs [--port 8787] [--persist-to DIR] [--info-file PATH] [--var NAME:VALUE ...] [--inspector-port N | --no-inspector]
 *
 * Creates .dev.vars (random MASTER_KEY / ADMIN_TOKEN) when missing, applies the D1 migrations,
 * starts `wrangler dev`, waits until it answers, seeds the `demo` bucket and a demo access key
 * through the admin API (idempotent: the key's secret is generated once and kept in
 * .bucketgate/demo-credentials.json, so clients keep working across restarts), and prints how to
 * use them. --info-file writes the endpoint and credentials as JSON once seeded (used by the e2e
 * suite, which runs an isolated instance with its own port and --persist-to). Signals are
 * forwarded to wrangler and its exit status becomes ours. Node built-ins only.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEV_VARS = join(ROOT, '.dev.vars');
const DEMO_CREDENTIALS = join(ROOT, '.bucketgate', 'demo-credentials.json');
const DEMO_BUCKET = 'demo';
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 120_000;

/** Wrangler stays off the network: no telemetry, no update check (it rides on the banner), no cf.json download. */
const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    'persist-to': { type: 'string' },
    'info-file': { type: 'string' },
    // NAME:VALUE, passed to `wrangler dev --var` (e.g. ALLOW_INSECURE_ISSUERS:true for the STS e2e tests).
    var: { type: 'string', multiple: true, default: [] },
    // The V8 inspector of the Worker's isolate (the bench profiles through it); wrangler's default otherwise.
    'inspector-port': { type: 'string' },
    // No devtools inspector attached (scripts/serve-worker.mjs): how the bench runs it, closer to production.
    'no-inspector': { type: 'boolean', default: false },
  },
});
const port = Number(args.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a TCP port, got "${args.port}"`);
const persistArgs = args['persist-to'] ? ['--persist-to', resolve(args['persist-to'])] : [];
const endpoint = `http://${HOST}:${port}`;

/** The child that currently runs (migrations, then wrangler dev); signals go to it. */
let child;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    if (child && child.exitCode === null) child.kill(signal);
    else process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

const devVars = ensureDevVars();
await assertPortFree(port);
const migrated = await run(['d1', 'migrations', 'apply', 'DB', '--local', ...persistArgs], { CI: 'true' });
if (migrated.code !== 0 || stopping) process.exit(migrated.code ?? 1);

const varArgs = args.var.flatMap((v) => ['--var', v]);
const wranglerExit = args['no-inspector']
  ? run(['--config', join(ROOT, 'wrangler.toml'), '--ip', HOST, '--port', String(port), ...persistArgs, ...varArgs], {}, join(ROOT, 'scripts/serve-worker.mjs'))
  : run([
    'dev', '--local', '--ip', HOST, '--port', String(port), '--show-interactive-dev-session=false', ...persistArgs, ...varArgs,
    ...(args['inspector-port'] ? ['--inspector-port', args['inspector-port']] : []),
  ]);
/** Set when we stop wrangler ourselves because the start failed; otherwise wrangler's status is ours. */
let failedStart = false;
wranglerExit.then(({ code, signal }) => process.exit(failedStart ? 1 : (code ?? (signal === 'SIGINT' ? 130 : 143))));

try {
  await waitUntilAnswering(endpoint, wranglerExit);
  const credentials = await seed(endpoint, devVars.ADMIN_TOKEN);
  if (args['info-file']) {
    writeSecretFile(resolve(args['info-file']), {
      endpoint, region: 'us-east-1', bucket: DEMO_BUCKET, adminToken: devVars.ADMIN_TOKEN, ...credentials,
    });
  }
  printUsage(credentials);
} catch (error) {
  console.error(`\nbucketgate dev: ${error instanceof Error ? error.message : error}`);
  failedStart = true;
  child.kill('SIGTERM');
}

/** Reads .dev.vars, adding a random MASTER_KEY / ADMIN_TOKEN where missing; existing values are never replaced. */
function ensureDevVars() {
  const text = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, 'utf8') : '';
  const vars = Object.fromEntries(
    [...text.matchAll(/^\s*([A-Z0-9_]+)\s*=\s*"?([^"\n]*)"?\s*$/gm)].map((m) => [m[1], m[2]]),
  );
  const generated = {
    MASTER_KEY: () => randomBytes(32).toString('base64url'),
    ADMIN_TOKEN: () => `bgadmin_${randomBytes(24).toString('base64url')}`,
  };
  const added = Object.keys(generated).filter((name) => !vars[name]);
  for (const name of added) vars[name] = generated[name]();
  if (added.length > 0) {
    const lines = added.map((name) => `${name}="${vars[name]}"`).join('\n');
    writeFileSync(DEV_VARS, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${lines}\n`, { mode: 0o600 });
    console.log(`bucketgate dev: wrote ${added.join(' and ')} to .dev.vars`);
  }
  if (vars.MASTER_KEY.length < 32) fail('MASTER_KEY in .dev.vars must be at least 32 characters');
  return vars;
}

/** wrangler picks another port by itself when one is taken; we would then seed a stranger. Refuse instead. */
function assertPortFree(p) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => fail(`${HOST}:${p} is in use; pass --port N to use another port`));
    server.listen(p, HOST, () => server.close(() => resolvePort()));
  });
}

/** Runs wrangler (the project's own copy, or `script` driving it) with the offline environment; resolves with its exit. */
function run(wranglerArgs, extraEnv = {}, script = join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js')) {
  child = spawn(process.execPath, [script, ...wranglerArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...OFFLINE_ENV, ...extraEnv },
  });
  return new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
}

async function waitUntilAnswering(url, exited) {
  let gone = false;
  exited.then(() => (gone = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!gone) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on ${url} within ${READY_TIMEOUT_MS / 1000}s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await new Promise(() => {}); // wrangler exited: its exit handler ends the process
}

/** Makes sure the demo bucket and the demo key exist; returns the key's credentials. */
async function seed(url, adminToken) {
  const admin = async (method, path, body) => {
    const response = await fetch(`${url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, text };
  };
  const expect = (result, what, ...ok) => {
    if (!ok.includes(result.status)) throw new Error(`seeding: ${what} answered ${result.status}: ${result.text.slice(0, 500)}`);
    return result;
  };

  const bucket = expect(await admin('GET', `/buckets/${DEMO_BUCKET}`), `GET bucket ${DEMO_BUCKET}`, 200, 404);
  if (bucket.status === 404) expect(await admin('POST', '/buckets', { name: DEMO_BUCKET }), 'POST /buckets', 201, 409);

  const credentials = demoCredentials();
  const key = expect(await admin('GET', `/keys/${credentials.accessKeyId}`), 'GET demo key', 200, 404);
  if (key.status === 404) {
    expect(
      await admin('POST', '/keys', {
        displayName: 'demo (npm run dev)',
        statements: [{ effect: 'allow', actions: ['s3:*'], resources: ['*'] }],
        ...credentials,
      }),
      'POST /keys (import demo key)',
      201,
    );
  } else if (JSON.parse(key.text).enabled === false) {
    console.warn(`bucketgate dev: the demo key ${credentials.accessKeyId} is disabled in this database`);
  }
  return credentials;
}

/** The demo key's id and secret, generated on first use in the AWS shapes (20-char id, 40-char secret). */
function demoCredentials() {
  if (existsSync(DEMO_CREDENTIALS)) {
    const { accessKeyId, secretAccessKey } = JSON.parse(readFileSync(DEMO_CREDENTIALS, 'utf8'));
    if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  }
  const credentials = {
    accessKeyId: `BG${randomString('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 18)}`,
    secretAccessKey: randomString('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 40),
  };
  writeSecretFile(DEMO_CREDENTIALS, credentials);
  return credentials;
}

function randomString(alphabet, length) {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

function writeSecretFile(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** With --info-file (tests, tools) the secret is only in that 0600 file: captured console output never holds it. */
function printUsage({ accessKeyId, secretAccessKey }) {
  console.log(`
bucketgate is ready at ${endpoint}  (bucket "${DEMO_BUCKET}", demo key with s3:* on *)

  export AWS_ACCESS_KEY_ID=${accessKeyId}
  export AWS_SECRET_ACCESS_KEY=${args['info-file'] ? `<secretAccessKey in ${args['info-file']}>` : secretAccessKey}
  export AWS_REGION=us-east-1
  aws --endpoint-url ${endpoint} s3 ls s3://${DEMO_BUCKET}

Admin API: curl -H "Authorization: Bearer $(grep ^ADMIN_TOKEN= .dev.vars | cut -d'"' -f2)" ${endpoint}/admin/v1/buckets
Ctrl-C stops the gateway; data stays in ${args['persist-to'] ?? '.wrangler/state'}.
`);
}

function fail(message) {
  console.error(`bucketgate dev: ${message}`);
  process.exit(1);
}
