/**
 * The one structured logger: each call writes one JSON line (`level`, `msg`, then the fields) that
 * Workers Logs indexes. It redacts nothing by itself: never pass secrets, credentials or signatures.
 */
export type LogFields = Record<string, unknown>;

function write(level: 'info' | 'warn' | 'error', msg: string, fields: LogFields): void {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

export const log = {
  info: (msg: string, fields: LogFields = {}): void => write('info', msg, fields),
  warn: (msg: string, fields: LogFields = {}): void => write('warn', msg, fields),
  error: (msg: string, fields: LogFields = {}): void => write('error', msg, fields),
};
