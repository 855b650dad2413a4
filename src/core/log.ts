/**
 * The one structured logger: each call writes one JSON line (`level`, `msg`, then the fields) that
 * Workers Logs indexes. It redacts nothing by itself: never pass secrets, credentials or signatures.
 *
 * Key vocabulary (every line in src/ uses these names for these things):
 * - `requestId`: the request's id as answered (S3 x-amz-request-id, STS RequestId, admin UUID).
 * - `error`: the text of a caught failure (`errorText`), never a stack or a request body.
 * - `errorCode`: an S3/STS/admin error code the gateway answered or recorded.
 * - `bucket`, `operation`, `principal`, `connection`, `binding`, `issuer`, `action`: what they name.
 */
export type LogFields = Record<string, unknown>;

export type LogLevel = 'info' | 'warn' | 'error';

/** The text of one line: what every writer below emits, and what a test sink receives. */
export function formatLine(level: LogLevel, msg: string, fields: LogFields): string {
  return JSON.stringify({ level, msg, ...fields });
}

function write(level: LogLevel, msg: string, fields: LogFields): void {
  const line = formatLine(level, msg, fields);
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

export const log = {
  info: (msg: string, fields: LogFields = {}): void => write('info', msg, fields),
  warn: (msg: string, fields: LogFields = {}): void => write('warn', msg, fields),
  error: (msg: string, fields: LogFields = {}): void => write('error', msg, fields),
};

/** A caught failure as the `error` field: `Name: message` for errors, the value as text otherwise. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
