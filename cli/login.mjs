import { adminClient } from './api.mjs';
import { saveProfile } from './config.mjs';
import { UsageError } from './errors.mjs';

/**
 * `login [--endpoint URL] [--token-stdin] [--profile NAME]`: checks the endpoint and token with
 * one authenticated call, then saves them as a profile (0600 file). The token comes from
 * BUCKETGATE_ADMIN_TOKEN or stdin, never from an argument (arguments show in `ps` and shell history).
 */
export async function login(ctx) {
  const { values, env, out } = ctx;
  const endpoint = (values.endpoint ?? env.BUCKETGATE_ENDPOINT)?.replace(/\/+$/, '');
  if (!endpoint) throw new UsageError('login needs --endpoint (or BUCKETGATE_ENDPOINT)');
  if (!/^https?:\/\//.test(endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, not "${endpoint}"`);
  const token = values['token-stdin'] ? (await readAll(ctx.stdin ?? process.stdin)).trim() : env.BUCKETGATE_ADMIN_TOKEN;
  if (!token) throw new UsageError('login needs the admin token in BUCKETGATE_ADMIN_TOKEN or on stdin with --token-stdin');
  // Proves both: the endpoint is a bucketgate admin API and the token opens it.
  await adminClient({ endpoint, token }).call('GET', '/settings');
  const profile = values.profile ?? env.BUCKETGATE_PROFILE ?? 'default';
  const path = await saveProfile(env, profile, { endpoint, token });
  out(`logged in to ${endpoint} as profile "${profile}" (saved to ${path})`);
}

async function readAll(stream) {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}
