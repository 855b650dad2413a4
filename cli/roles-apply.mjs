import { buildBody } from './body.mjs';
import { ApiError, UsageError } from './errors.mjs';
import { json, record } from './output.mjs';

/** The fields of a role that PATCH can change (the name is the key; `id` and times are the gateway's). */
const PATCHABLE = ['description', 'trust', 'statements', 'maxSessionDuration'];

/**
 * `roles apply -f role.json`: creates the role, or brings an existing one (by name) to the file's
 * settings; changes nothing, and writes no audit row, when it already matches. Idempotent.
 */
export async function applyRole(ctx) {
  const { api, values, out } = ctx;
  const desired = await buildBody(values, ctx.resource.flags, ctx);
  if (values.file === undefined) throw new UsageError('roles apply needs -f role.json');
  if (typeof desired.name !== 'string' || !desired.name) throw new UsageError('roles apply: the file must name the role ("name")');
  const unknown = Object.keys(desired).filter((k) => k !== 'name' && !PATCHABLE.includes(k));
  if (unknown.length) throw new UsageError(`roles apply: unknown field(s) ${unknown.join(', ')}`);

  const current = await api.call('GET', `/roles/${encodeURIComponent(desired.name)}`).catch((error) => {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  });
  let outcome;
  let role;
  if (current === null) {
    role = await api.call('POST', '/roles', { body: desired });
    outcome = 'created';
  } else {
    const patch = Object.fromEntries(PATCHABLE.filter((k) => k in desired && canonical(desired[k]) !== canonical(current[k])).map((k) => [k, desired[k]]));
    role = Object.keys(patch).length ? await api.call('PATCH', `/roles/${encodeURIComponent(desired.name)}`, { body: patch }) : current;
    outcome = Object.keys(patch).length ? 'updated' : 'unchanged';
  }
  out(values.json ? json({ outcome, role }) : `${outcome} role ${role.name}\n${record(role)}`);
}

/** JSON with object keys sorted, so equal settings compare equal whatever order the file writes them in. */
function canonical(value) {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}
