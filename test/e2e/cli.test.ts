import { AwsClient } from 'aws4fetch';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, gateway, uniqueBucket } from './support/gateway';
import { removeDir, tempDir } from './support/files';

/**
 * The admin CLI (bin/bucketgate.mjs, cli/; adrs/0025) end to end: run as a program against the
 * gateway the e2e global setup starts, with HOME pointed at a scratch directory so its config file
 * is this test's. `audit tail` and `usage` run against a stand-in server that answers the contract
 * of GET /admin/v1/audit and /admin/v1/usage (those routes land on another branch).
 */

const BIN = fileURLToPath(new URL('../../bin/bucketgate.mjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let home: string;

/** Runs the CLI with only PATH and HOME from this process, plus `env`. */
function cli(args: string[], options: { env?: Record<string, string>; stdin?: string; killAfterMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: home, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
    if (options.killAfterMs) setTimeout(() => child.kill('SIGINT'), options.killAfterMs);
  });
}

/** The CLI with the gateway in its environment (no config file needed). */
function gw(args: string[]): Promise<Run> {
  const { endpoint, adminToken } = gateway();
  return cli(args, { env: { BUCKETGATE_ENDPOINT: endpoint, BUCKETGATE_ADMIN_TOKEN: adminToken } });
}

async function gwJson(args: string[]): Promise<any> {
  const run = await gw([...args, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

beforeAll(async () => {
  home = await tempDir('cli-home');
});
afterAll(async () => {
  await removeDir(home);
});

describe('bucketgate login', () => {
  const configFile = () => join(home, '.config', 'bucketgate', 'config.json');

  it('refuses a wrong token with exit 1 and writes nothing', async () => {
    const run = await cli(['login'], { env: { BUCKETGATE_ENDPOINT: gateway().endpoint, BUCKETGATE_ADMIN_TOKEN: 'not-the-admin-token-at-all' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Unauthorized');
    await expect(stat(configFile())).rejects.toThrow(/ENOENT/);
  });

  it('saves endpoint and token to a 0600 file in a 0700 directory; later commands need no environment', async () => {
    const { endpoint, adminToken } = gateway();
    const run = await cli(['login'], { env: { BUCKETGATE_ENDPOINT: endpoint, BUCKETGATE_ADMIN_TOKEN: adminToken } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await stat(configFile())).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, '.config', 'bucketgate'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toEqual({ profiles: { default: { endpoint, token: adminToken } } });
    // The token never appears in what login prints.
    expect(run.stdout).not.toContain(adminToken);

    const list = await cli(['buckets', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((b: { name: string }) => b.name)).toContain(gateway().bucket);
  });

  it('keeps named profiles apart (--profile, token on stdin) and tightens an existing file to 0600', async () => {
    const { endpoint, adminToken } = gateway();
    await chmod(configFile(), 0o644);
    const run = await cli(['login', '--profile', 'staging', '--endpoint', endpoint, '--token-stdin'], { stdin: `${adminToken}\n` });
    expect(run.code).toBe(0);
    expect((await stat(configFile())).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(await readFile(configFile(), 'utf8')).profiles).sort()).toEqual(['default', 'staging']);
    expect((await cli(['buckets', 'list', '--profile', 'staging'])).code).toBe(0);
    const missing = await cli(['buckets', 'list', '--profile', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('profile "nope"');
  });
});

describe('CRUD round trips', () => {
  it('buckets: create, get, update, list, delete; a table by default', async () => {
    const name = uniqueBucket('cli');
    const created = await gwJson(['buckets', 'create', name, '--public-read', 'true', '--label', 'team=web', '--label', 'env=dev']);
    expect(created).toMatchObject({ name, publicRead: true, labels: { team: 'web', env: 'dev' } });
    expect(await gwJson(['buckets', 'get', name])).toMatchObject({ name, publicRead: true });
    expect(await gwJson(['buckets', 'update', name, '--cache-ttl', '120', '--set', 'publicList=true'])).toMatchObject({ cacheTtl: 120, publicList: true, publicRead: true });
    const table = await gw(['buckets', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+BACKEND\s+PUBLIC\s+CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`^${name}\\s+active\\s+\\S+\\s+read,list\\s`, 'm'));
    expect(await gwJson(['buckets', 'suspend', name])).toMatchObject({ status: 'suspended' });
    expect(await gwJson(['buckets', 'resume', name])).toMatchObject({ status: 'active' });
    expect((await gw(['buckets', 'delete', name])).code).toBe(0);
    const gone = await gw(['buckets', 'get', name]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('NoSuchBucket');
  });

  it('keys: create prints the secret once, and it signs S3 calls; list/get never show it; disable, delete', async () => {
    const bucket = uniqueBucket('cli-key');
    expect((await admin('POST', '/buckets', { name: bucket })).status).toBe(201);
    const statement = JSON.stringify({ effect: 'allow', actions: ['s3:*'], resources: [bucket, `${bucket}/*`] });
    const run = await gw(['keys', 'create', '--name', 'cli test', '--statement', statement]);
    expect(run.code).toBe(0);
    const accessKeyId = /^created (\S+)$/m.exec(run.stdout)?.[1];
    const secret = /^secretAccessKey\s+(\S+)$/m.exec(run.stdout)?.[1];
    expect(accessKeyId).toBeTruthy();
    expect(secret).toMatch(/^\S{40,}$/);
    expect(run.stdout.split(secret!).length - 1).toBe(1);

    const s3 = new AwsClient({ accessKeyId: accessKeyId!, secretAccessKey: secret!, region: gateway().region, service: 's3' });
    const body = randomBytes(64).toString('hex');
    expect((await s3.fetch(`${gateway().endpoint}/${bucket}/hello.txt`, { method: 'PUT', body })).status).toBe(200);
    expect(await (await s3.fetch(`${gateway().endpoint}/${bucket}/hello.txt`)).text()).toBe(body);

    for (const args of [['keys', 'list'], ['keys', 'list', '--json'], ['keys', 'get', accessKeyId!], ['keys', 'get', accessKeyId!, '--json']]) {
      const shown = await gw(args);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(accessKeyId);
      expect(shown.stdout).not.toContain(secret);
    }
    // rotate: a new secret, printed once; the old one stops working at once (same isolate).
    const rotated = await gw(['keys', 'rotate', accessKeyId!]);
    expect(rotated.code).toBe(0);
    const newSecret = /^secretAccessKey\s+(\S+)$/m.exec(rotated.stdout)?.[1];
    expect(newSecret).toMatch(/^\S{40,}$/);
    expect(newSecret).not.toBe(secret);
    expect(rotated.stdout.split(newSecret!).length - 1).toBe(1);
    expect((await s3.fetch(`${gateway().endpoint}/${bucket}/hello.txt`)).status).toBe(403);
    const s3New = new AwsClient({ accessKeyId: accessKeyId!, secretAccessKey: newSecret!, region: gateway().region, service: 's3' });
    expect((await s3New.fetch(`${gateway().endpoint}/${bucket}/hello.txt`)).status).toBe(200);

    expect(await gwJson(['keys', 'update', accessKeyId!, '--enabled', 'false'])).toMatchObject({ enabled: false });
    expect((await s3New.fetch(`${gateway().endpoint}/${bucket}/hello.txt`)).status).toBe(403);
    expect((await gw(['keys', 'delete', accessKeyId!])).code).toBe(0);
    expect((await gw(['keys', 'get', accessKeyId!])).code).toBe(1);
  });

  it('idps, roles (apply is idempotent), revocations', async () => {
    const issuer = `https://issuer-${randomBytes(4).toString('hex')}.example.com`;
    const idp = await gwJson(['idps', 'create', '--issuer', issuer, '--audience', 'cli-aud']);
    expect(idp).toMatchObject({ issuer, audiences: ['cli-aud'], enabled: true });
    expect(await gwJson(['idps', 'get', idp.id])).toMatchObject({ issuer });
    expect(await gwJson(['idps', 'update', idp.id, '--display-name', 'CLI issuer'])).toMatchObject({ displayName: 'CLI issuer' });
    expect((await gwJson(['idps', 'list'])).map((i: { id: string }) => i.id)).toContain(idp.id);

    const roleName = `cli-role-${randomBytes(3).toString('hex')}`;
    const role = {
      name: roleName,
      trust: [{ issuer, audience: 'cli-aud', claims: [{ claim: 'sub', operator: 'equals', value: 'repo:org/app' }] }],
      statements: [{ effect: 'allow', actions: ['s3:GetObject'], resources: ['demo/*'] }],
      maxSessionDuration: 1800,
    };
    const file = join(home, 'role.json');
    await writeFile(file, JSON.stringify(role));
    const first = await gwJson(['roles', 'apply', '-f', file]);
    expect(first).toMatchObject({ outcome: 'created', role: { name: roleName, maxSessionDuration: 1800 } });
    const again = await gwJson(['roles', 'apply', '-f', file]);
    expect(again).toMatchObject({ outcome: 'unchanged' });
    expect(again.role.updatedAt).toBe(first.role.updatedAt);
    await writeFile(file, JSON.stringify({ ...role, maxSessionDuration: 3600, description: 'now longer' }));
    expect(await gwJson(['roles', 'apply', '-f', file])).toMatchObject({ outcome: 'updated', role: { maxSessionDuration: 3600, description: 'now longer', id: first.role.id } });
    expect(await gwJson(['roles', 'get', roleName])).toMatchObject({ maxSessionDuration: 3600 });
    expect(await gwJson(['roles', 'update', roleName, '--description', 'edited'])).toMatchObject({ description: 'edited' });
    expect((await gwJson(['roles', 'list'])).map((r: { name: string }) => r.name)).toContain(roleName);

    const revoked = await gwJson(['revocations', 'create', '--type', 'role', '--role', roleName, '--reason', 'cli test']);
    expect(revoked).toMatchObject({ kind: 'role', id: first.role.id, reason: 'cli test' });
    expect(await gwJson(['revocations', 'get', 'role', revoked.id])).toMatchObject({ kind: 'role', id: revoked.id });
    expect((await gw(['revocations', 'delete', 'role', revoked.id])).code).toBe(0);
    expect((await gw(['revocations', 'get', 'role', revoked.id])).code).toBe(1);
    const noUpdate = await gw(['revocations', 'update', 'role', revoked.id, '--reason', 'x']);
    expect(noUpdate.code).toBe(2);

    expect((await gw(['roles', 'delete', roleName])).code).toBe(0);
    expect((await gw(['roles', 'get', roleName])).code).toBe(1);
    expect((await gw(['idps', 'delete', idp.id])).code).toBe(0);
    expect((await gw(['idps', 'get', idp.id])).code).toBe(1);
  });

  it('connections: create (--no-validate) from a file plus flags, get, update, list, delete', async () => {
    const name = `cli-conn-${randomBytes(3).toString('hex')}`;
    const file = join(home, 'connection.json');
    await writeFile(file, JSON.stringify({ kind: 's3', endpoint: 'https://s3.example.com', auth: { mode: 'static', accessKeyId: 'AKIACLITEST', secretAccessKey: 'cli-test-secret-value' } }));
    const created = await gwJson(['connections', 'create', '-f', file, '--name', name, '--region', 'eu-west-1', '--no-validate']);
    expect(created).toMatchObject({ name, kind: 's3', settings: { endpoint: 'https://s3.example.com', region: 'eu-west-1' }, auth: { mode: 'static' } });
    expect(JSON.stringify(created)).not.toContain('cli-test-secret-value');
    expect(await gwJson(['connections', 'get', created.id])).toMatchObject({ name });
    expect(await gwJson(['connections', 'update', created.id, '--addressing', 'virtual', '--no-validate'])).toMatchObject({ settings: { addressing: 'virtual' } });
    const table = await gw(['connections', 'list']);
    expect(table.stdout).toMatch(new RegExp(`^${created.id}\\s+${name}\\s+s3\\s+\\S+\\s+static\\s+https://s3.example.com$`, 'm'));
    expect((await gw(['connections', 'delete', created.id])).code).toBe(0);
    expect((await gw(['connections', 'get', created.id])).code).toBe(1);
  });
});

describe('errors and exit codes', () => {
  it('an API field error exits 1 naming the field, and writes nothing', async () => {
    const run = await gw(['buckets', 'create', 'Not_A_Bucket', '--set', 'cacheTtl=-5']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('InvalidRequest (HTTP 400)');
    expect(run.stderr).toMatch(/^ {2}name: /m);
    expect(run.stderr).toMatch(/^ {2}cacheTtl: /m);
    expect((await admin('GET', '/buckets/Not_A_Bucket')).status).toBe(404);
  });

  it('bad usage exits 2 before any request', async () => {
    for (const args of [['frobnicate'], ['buckets', 'explode'], ['buckets', 'list', '--bogus'], ['buckets', 'get'], ['buckets', 'create', 'x', '--public-read', 'maybe'], ['keys', 'create', '-f', join(home, 'missing.json')], ['buckets', 'update', 'x'], ['audit', 'tail', '--limit', 'many'], ['keys', 'rotate']]) {
      const run = await gw(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/^error: /);
    }
  });

  it('an unreachable gateway exits 1', async () => {
    const run = await cli(['buckets', 'list'], { env: { BUCKETGATE_ENDPOINT: 'http://127.0.0.1:9', BUCKETGATE_ADMIN_TOKEN: 'x'.repeat(20) } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});

describe('audit tail and usage (against a stand-in for the routes being added on wip-ops)', () => {
  let server: Server;
  let endpoint: string;
  const seen: URL[] = [];
  const entries = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, at: `2026-11-28T10:0${i}:00Z`, actor: 'admin', action: 'bucket.create', target: `b${i + 1}`, outcome: 'success' }));
  let extra: typeof entries = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(url);
      if (req.headers.authorization !== 'Bearer stand-in-token-0123456789') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'Unauthorized', message: 'invalid bearer token' } }));
      } else if (url.pathname === '/admin/v1/audit') {
        // Newest first, two per page.
        const all = [...extra, ...entries].sort((a, b) => b.id - a.id);
        const from = Number(url.searchParams.get('cursor') ?? 0);
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 50), 2);
        const items = all.slice(from, from + limit);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items, ...(from + limit < all.length ? { cursor: String(from + limit) } : {}) }));
      } else if (url.pathname === '/admin/v1/usage') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [{ bucket: 'demo', requests: 12, bytesIn: 100, bytesOut: 2048, errors: 1 }] }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const standIn = (args: string[], options: { killAfterMs?: number } = {}) => cli(args, { ...options, env: { BUCKETGATE_ENDPOINT: endpoint, BUCKETGATE_ADMIN_TOKEN: 'stand-in-token-0123456789' } });

  it('audit tail follows cursors up to --limit and passes filters', async () => {
    seen.length = 0;
    const run = await standIn(['audit', 'tail', '--limit', '3', '--action', 'bucket.create', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).map((e: { id: number }) => e.id)).toEqual([5, 4, 3]);
    expect(seen.map((u) => [u.searchParams.get('cursor'), u.searchParams.get('limit'), u.searchParams.get('action')])).toEqual([
      [null, '3', 'bucket.create'],
      ['2', '1', 'bucket.create'],
    ]);
  });

  it('audit tail --follow prints entries as they arrive, each once', async () => {
    setTimeout(() => (extra = [{ id: 6, at: '2026-11-28T10:06:00Z', actor: 'admin', action: 'key.create', target: 'AKIA', outcome: 'success' }]), 1500);
    const run = await standIn(['audit', 'tail', '--limit', '2', '--follow', '--interval', '1'], { killAfterMs: 4500 });
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^id\s+at\s+actor\s+action\s+target\s+outcome$/);
    expect(run.stdout.match(/^5\s/gm)).toHaveLength(1);
    expect(run.stdout.match(/^6\s+\S+\s+admin\s+key\.create/gm)).toHaveLength(1);
    expect(run.stdout).not.toMatch(/^3\s/m);
  });

  it('usage passes from/to/groupBy and prints a table', async () => {
    seen.length = 0;
    const run = await standIn(['usage', '--from', '2026-11-01', '--to', '2026-11-30', '--group-by', 'bucket']);
    expect(run.code).toBe(0);
    expect(Object.fromEntries(seen[0]!.searchParams)).toEqual({ from: '2026-11-01', to: '2026-11-30', groupBy: 'bucket' });
    expect(run.stdout).toMatch(/^bucket\s+requests\s+bytesIn\s+bytesOut\s+errors\ndemo\s+12\s+100\s+2048\s+1\n$/);
  });
});
