/** Tables for people, JSON (`--json`) for programs. */

/** A cell: strings as they are, arrays of scalars joined, other values as compact JSON. */
function cell(value) {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.join(',');
  return JSON.stringify(value);
}

/**
 * @param {Record<string, unknown>[]} rows
 * @param {[header: string, pick: (row: any) => unknown][]} columns
 */
export function table(rows, columns) {
  const cells = rows.map((row) => columns.map(([, pick]) => cell(pick(row))));
  const headers = columns.map(([header]) => header);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (values) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  return [line(headers), ...cells.map(line)].join('\n');
}

/** One record, a field per line. */
export function record(object) {
  const entries = Object.entries(object ?? {});
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([key, value]) => `${key.padEnd(width)}  ${cell(value)}`).join('\n');
}

export function json(value) {
  return JSON.stringify(value, null, 2);
}

/** Columns for a list when the resource table names none: every scalar field of the first row. */
export function columnsOf(rows) {
  const keys = Object.keys(rows[0] ?? {}).filter((k) => typeof rows[0][k] !== 'object' || rows[0][k] === null);
  return keys.map((k) => [k, (row) => row[k]]);
}
