import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/**
 * The registry of secrets an e2e run created or handled (issue 10): access key secrets, session
 * tokens, web identity tokens, the admin token, MASTER_KEY. Test code records each one as it
 * appears (one per line in the file global-setup.ts names in BUCKETGATE_E2E_SECRETS); when the
 * suite ends, global-setup.ts greps the gateway's log for every one (log-secrets.ts).
 */
export const SECRETS_FILE_ENV = 'BUCKETGATE_E2E_SECRETS';

/** Shorter strings could occur in a log by chance; no secret the gateway makes is this short. */
const MIN_SECRET_LENGTH = 12;

export function recordSecrets(...values: (string | null | undefined)[]): void {
  const file = process.env[SECRETS_FILE_ENV];
  if (!file) return;
  const lines = values.filter((v): v is string => typeof v === 'string' && v.trim().length >= MIN_SECRET_LENGTH).map((v) => `${v.trim()}\n`);
  if (lines.length > 0) appendFileSync(file, lines.join(''));
}

const SECRET_FIELD = /secret|token|password|privatekey|credential/i;

/** Records every string under a secret-looking field of a JSON document (admin answers and requests). */
export function recordSecretFields(document: unknown): void {
  const walk = (value: unknown, secretField: boolean): void => {
    if (typeof value === 'string') {
      if (secretField) recordSecrets(value);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, secretField);
    } else if (value !== null && typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) walk(item, secretField || SECRET_FIELD.test(name));
    }
  };
  walk(document, false);
}

export function readSecrets(file: string): string[] {
  if (!existsSync(file)) return [];
  return [...new Set(readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0))];
}
