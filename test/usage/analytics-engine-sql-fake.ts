/**
 * A local stand-in for the Workers Analytics Engine SQL API (Node side), written from Cloudflare's
 * documentation (analytics-engine/sql-api, sql-reference/statements, worker-querying) and nothing
 * else:
 *
 *   POST /client/v4/accounts/<account_id>/analytics_engine/sql
 *     Authorization: Bearer <token>; the body is the query text.
 *     200 → FORMAT JSON: {"meta":[{"name","type"}…], "data":[{column: value}…], "rows": n}
 *     not 200 → failure; the docs have clients read the body as text.
 *
 * Documented behaviour it keeps: one table per dataset, created when the first point is written
 * (querying another table fails); columns `dataset`, `timestamp`, `_sample_interval`, `index1`,
 * `blob1…blob20`, `double1…double20`; `FORMAT JSON` is the default; 64-bit integers come quoted
 * in JSON (ClickHouse's JSON output, which the SQL API's is), doubles as numbers.
 * What the docs do not say, and the fake does plainly: an unusable query is a 400 with a text
 * body, a missing or wrong token a 401 with Cloudflare API v4's common error envelope
 * `{"success":false,"errors":[{"code","message"}]}`; a client must rely on neither beyond "not 200".
 *
 * The SQL is run by SQLite (node:sqlite) with the two dialect functions the gateway's query uses
 * (toDateTime of a 'YYYY-MM-DD hh:mm:ss' literal, formatDateTime with '%Y-%m-%d'); anything else
 * SQLite does not know fails as a 400, as an unsupported query would.
 *
 * Test control (not part of the API): POST /_fake/points {account, dataset, points: [{timestamp,
 * sampleInterval?, indexes, blobs, doubles}]} writes data points; GET /_fake/queries lists the
 * query texts received, newest last.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';

export interface FakeSqlApi {
  /** The base URL the gateway is configured with (USAGE_SQL_API_BASE), e.g. http://127.0.0.1:1234/client/v4 */
  base: string;
  url: string;
  close(): Promise<void>;
}

export interface FakePoint {
  /** `YYYY-MM-DD hh:mm:ss`, UTC: when the event was logged. */
  timestamp: string;
  sampleInterval?: number;
  indexes?: string[];
  blobs?: string[];
  doubles?: number[];
}

const COLUMNS = 20;

export async function startFakeSqlApi(tokens: Record<string, string>): Promise<FakeSqlApi> {
  // One database per account: a dataset is a table in it.
  const accounts = new Map<string, DatabaseSync>();
  const queries: string[] = [];

  function database(account: string): DatabaseSync {
    let db = accounts.get(account);
    if (!db) {
      db = new DatabaseSync(':memory:');
      db.function('toDateTime', (value: unknown) => {
        if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) throw new Error(`toDateTime: cannot parse ${String(value)}`);
        return value;
      });
      db.function('formatDateTime', (value: unknown, format: unknown) => {
        if (format !== '%Y-%m-%d') throw new Error(`formatDateTime: format ${String(format)} is not supported by the fake`);
        return String(value).slice(0, 10);
      });
      accounts.set(account, db);
    }
    return db;
  }

  function ensureTable(db: DatabaseSync, dataset: string): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(dataset)) throw new Error('bad dataset name');
    const blobs = Array.from({ length: COLUMNS }, (_, i) => `blob${i + 1} TEXT NOT NULL DEFAULT ''`);
    const doubles = Array.from({ length: COLUMNS }, (_, i) => `double${i + 1} REAL NOT NULL DEFAULT 0`);
    db.exec(`CREATE TABLE IF NOT EXISTS ${dataset} (dataset TEXT NOT NULL, timestamp TEXT NOT NULL, _sample_interval INTEGER NOT NULL, index1 TEXT NOT NULL DEFAULT '', ${[...blobs, ...doubles].join(', ')})`);
  }

  function writePoints(account: string, dataset: string, points: FakePoint[]): void {
    const db = database(account);
    ensureTable(db, dataset);
    for (const p of points) {
      const blobs = p.blobs ?? [];
      const doubles = p.doubles ?? [];
      const names = ['dataset', 'timestamp', '_sample_interval', 'index1', ...blobs.map((_, i) => `blob${i + 1}`), ...doubles.map((_, i) => `double${i + 1}`)];
      const values = [dataset, p.timestamp, p.sampleInterval ?? 1, p.indexes?.[0] ?? '', ...blobs, ...doubles];
      db.prepare(`INSERT INTO ${dataset} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...values);
    }
  }

  function runQuery(account: string, text: string): { status: number; body: string; type: string } {
    const query = text.trim().replace(/;$/, '');
    const format = /\sFORMAT\s+(\w+)\s*$/i.exec(query);
    if (format && format[1]!.toUpperCase() !== 'JSON') return { status: 400, body: `FORMAT ${format[1]} is not supported by this fake`, type: 'text/plain' };
    const sql = format ? query.slice(0, format.index) : query;
    if (!/^\s*SELECT\s/i.test(sql)) return { status: 400, body: 'only SELECT is supported by this fake', type: 'text/plain' };
    try {
      const statement = database(account).prepare(sql);
      statement.setReadBigInts(true);
      const rows = statement.all() as Record<string, unknown>[];
      const names = statement.columns().map((c) => c.name);
      const data = rows.map((row) => Object.fromEntries(names.map((n) => [n, jsonValue(row[n])])));
      const meta = names.map((name) => ({ name, type: columnType(rows.map((r) => r[name])) }));
      return { status: 200, body: JSON.stringify({ meta, data, rows: data.length }), type: 'application/json' };
    } catch (error) {
      return { status: 400, body: `query failed: ${(error as Error).message}`, type: 'text/plain' };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'POST' && url.pathname === '/_fake/points') {
      const { account, dataset, points } = JSON.parse(body) as { account: string; dataset: string; points: FakePoint[] };
      writePoints(account, dataset, points);
      return send(res, 204, '', 'text/plain');
    }
    if (req.method === 'GET' && url.pathname === '/_fake/queries') return send(res, 200, JSON.stringify(queries), 'application/json');

    const route = /^\/client\/v4\/accounts\/([^/]+)\/analytics_engine\/sql$/.exec(url.pathname);
    if (!route) return send(res, 404, cfError(7003, 'Could not route to the requested path'), 'application/json');
    if (req.method !== 'POST') return send(res, 405, cfError(10405, 'Method not allowed'), 'application/json');
    const account = route[1]!;
    if (tokens[account] === undefined || req.headers.authorization !== `Bearer ${tokens[account]}`) {
      return send(res, 401, cfError(10000, 'Authentication error'), 'application/json');
    }
    queries.push(body);
    const answer = runQuery(account, body);
    return send(res, answer.status, answer.body, answer.type);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, String(error), 'text/plain'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    base: `${url}/client/v4`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** ClickHouse's JSON output quotes 64-bit integers; doubles and strings are as they are. */
function jsonValue(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function columnType(values: unknown[]): string {
  const seen = values.find((v) => v !== null && v !== undefined);
  if (typeof seen === 'bigint') return 'UInt64';
  if (typeof seen === 'number') return 'Float64';
  return 'String';
}

function cfError(code: number, message: string): string {
  return JSON.stringify({ success: false, errors: [{ code, message }], messages: [], result: null });
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
