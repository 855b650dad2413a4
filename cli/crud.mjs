import { buildBody } from './body.mjs';
import { ApiError, UsageError } from './errors.mjs';
import { columnsOf, json, record, table } from './output.mjs';

/** `<resource> list|get|create|update|delete` for every collection in resources.mjs. */

const encode = (id) => id.split('/').map(encodeURIComponent).join('/');

export async function runCrud(ctx, resource, action) {
  const { api, values, positionals, out } = ctx;
  const query = resource.validateFlag && values['no-validate'] ? { validate: 'false' } : undefined;
  const idOf = typeof resource.id === 'function' ? resource.id : (item) => item[resource.id];
  // Revocations are addressed by two words (kind, id); everything else by one.
  const idWords = typeof resource.id === 'function' ? 2 : 1;
  const needId = () => {
    if (positionals.length !== idWords) throw new UsageError(`${ctx.name} ${action} needs the item's ${idWords === 1 ? resource.id : 'kind and id'}`);
    return positionals.join('/');
  };

  switch (action) {
    case 'list': {
      const items = (await api.call('GET', resource.path))[resource.listKey];
      out(values.json ? json(items) : items.length ? table(items, resource.columns ?? columnsOf(items)) : `no ${ctx.name}`);
      return;
    }
    case 'get': {
      const id = needId();
      const item = resource.noGet ? await findInList(api, resource, idOf, id) : await api.call('GET', `${resource.path}/${encode(id)}`);
      out(values.json ? json(item) : record(item));
      return;
    }
    case 'create': {
      const body = await buildBody(values, resource.flags, ctx);
      // The positional argument names the new item where the API takes a name (buckets, roles).
      if (positionals[0] !== undefined) {
        if (!resource.createIdField) throw new UsageError(`${ctx.name} create takes no positional argument; use flags or -f`);
        body[resource.createIdField] = positionals[0];
      }
      const created = await api.call('POST', resource.path, { body, query });
      if (values.json) out(json(created));
      else if (ctx.printSecret) ctx.printSecret(created, 'created');
      else out(`created ${idOf(created)}\n${record(created)}`);
      return;
    }
    case 'update': {
      if (resource.noUpdate) throw new UsageError(`${ctx.name} cannot be updated: delete and create instead`);
      const id = needId();
      const body = await buildBody(values, resource.flags, ctx);
      if (Object.keys(body).length === 0) throw new UsageError(`${ctx.name} update needs at least one field (flags, --set or -f)`);
      const updated = await api.call('PATCH', `${resource.path}/${encode(id)}`, { body, query });
      out(values.json ? json(updated) : `updated ${idOf(updated)}\n${record(updated)}`);
      return;
    }
    case 'delete': {
      const id = needId();
      await api.call('DELETE', `${resource.path}/${encode(id)}`);
      out(values.json ? json({ deleted: id }) : `deleted ${id}`);
      return;
    }
    default: {
      const extra = resource.actions?.[action];
      if (!extra) throw new UsageError(`unknown action "${action}" for ${ctx.name}: ${['list', 'get', 'create', 'update', 'delete', ...Object.keys(resource.actions ?? {})].join(', ')}`);
      const id = needId();
      const body = extra.body ? await buildBody(values, resource.flags, ctx) : undefined;
      const answer = await api.call('POST', `${resource.path}/${encode(id)}/${action}`, { body, query: extra.body ? query : undefined });
      if (values.json) out(json(answer));
      else if (extra.secret && ctx.printSecret) ctx.printSecret(answer, `${action}d`);
      else out(`${action}: ${id}\n${record(answer)}`);
    }
  }
}

async function findInList(api, resource, idOf, id) {
  const item = (await api.call('GET', resource.path))[resource.listKey].find((i) => idOf(i) === id);
  if (!item) throw new ApiError(404, 'NotFound', `no ${resource.listKey.replace(/s$/, '')} "${id}"`);
  return item;
}
