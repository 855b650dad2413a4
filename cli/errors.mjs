/** The CLI's two failures and their exit codes: 2 for a wrong command line, 1 for the API (or network) refusing. */

export const EXIT_OK = 0;
export const EXIT_API = 1;
export const EXIT_USAGE = 2;

/** The command line is wrong: unknown command or flag, missing argument, unreadable -f file. */
export class UsageError extends Error {
  name = 'UsageError';
}

/** The admin API answered an error (`{"error":{"code","message","fields"?}}`), or could not be reached. */
export class ApiError extends Error {
  name = 'ApiError';
  /**
   * @param {number} status 0 when the gateway could not be reached
   * @param {string} code
   * @param {string} message
   * @param {Record<string, string[]>} [fields]
   */
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** What stderr shows: the code and message, then one line per field error. */
export function describeError(error) {
  if (error instanceof ApiError) {
    const head = error.status ? `error: ${error.code} (HTTP ${error.status}): ${error.message}` : `error: ${error.message}`;
    const fields = Object.entries(error.fields ?? {}).map(([field, messages]) => `  ${field}: ${messages.join('; ')}`);
    return [head, ...fields].join('\n');
  }
  if (error instanceof UsageError) return `error: ${error.message}\nRun "bucketgate help" for usage.`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
