import { columnsOf, json, table } from './output.mjs';

/**
 * `usage [--from DATE] [--to DATE] [--group-by bucket|principal|operation|day]`:
 * GET /admin/v1/usage?from&to&groupBy. Rows (the answer's `items`, or its first array) as a table.
 */
export async function usage(ctx) {
  const { api, values, out } = ctx;
  const answer = await api.call('GET', '/usage', { query: { from: values.from, to: values.to, groupBy: values['group-by'] } });
  if (values.json) return out(json(answer));
  const rows = Array.isArray(answer) ? answer : (answer.items ?? Object.values(answer ?? {}).find(Array.isArray));
  if (!rows) return out(json(answer));
  out(rows.length ? table(rows, columnsOf(rows)) : 'no usage in this period');
}
