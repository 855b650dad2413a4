import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from './errors.mjs';
import { columnsOf, json, table } from './output.mjs';

/**
 * `audit tail [--limit N] [--follow] [--interval S] [--actor --action --target --outcome --since --until]`:
 * GET /admin/v1/audit?limit&cursor answers `{ items, cursor? }`. Prints up to --limit entries
 * (following cursors), then with --follow polls for entries not yet shown (by id, else by content).
 */
const FILTERS = ['actor', 'action', 'target', 'outcome', 'since', 'until'];

export async function auditTail(ctx) {
  const { api, values, out } = ctx;
  const limit = positiveInt('limit', values.limit ?? '20');
  const interval = positiveInt('interval', values.interval ?? '2') * 1000;
  const filters = Object.fromEntries(FILTERS.map((f) => [f, values[f]]));
  const seen = new Set();
  const keyOf = (item) => (item.id !== undefined ? `id:${item.id}` : JSON.stringify(item));
  const show = (items) => {
    const fresh = items.filter((item) => !seen.has(keyOf(item)));
    for (const item of fresh) seen.add(keyOf(item));
    if (fresh.length === 0) return;
    if (values.json) for (const item of fresh) out(JSON.stringify(item));
    else out(table(fresh, columnsOf(fresh)));
  };

  const first = [];
  let cursor;
  do {
    const page = await api.call('GET', '/audit', { query: { ...filters, limit: String(limit - first.length), cursor } });
    first.push(...(page.items ?? []));
    cursor = page.cursor;
  } while (cursor && first.length < limit);
  if (values.json && !values.follow) out(json(first.slice(0, limit)));
  else if (first.length) show(first.slice(0, limit));
  else if (!values.follow) out('no audit entries');

  if (!values.follow) return;
  for (;;) {
    try {
      await sleep(interval, undefined, { signal: ctx.signal });
    } catch (error) {
      if (error.name === 'AbortError') return; // Ctrl-C ends a follow normally.
      throw error;
    }
    const page = await api.call('GET', '/audit', { query: { ...filters, limit: String(limit) } });
    show(page.items ?? []);
  }
}

function positiveInt(flag, value) {
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${flag} takes a positive whole number, not "${value}"`);
  return Number(value);
}
