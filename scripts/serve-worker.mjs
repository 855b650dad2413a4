/**
 * `wrangler dev` without wrangler's devtools inspector: the same local runtime (workerd with local
 * R2/D1/KV/rate limits), started through wrangler's `unstable_startWorker` with `inspector: false`.
 *
 *   node scripts/serve-worker.mjs --config FILE --port N [--ip 127.0.0.1] [--persist-to DIR]
 *                                 [--var NAME:VALUE ...] [--log-level warn]
 *
 * Why: under `wrangler dev` an inspector proxy is always attached to the Worker's isolate, and
 * every console line then also travels to it as a devtools event. A Worker that logs once per
 * request (as the gateway must) pays for that on every request, which production never does: a
 * bare Worker logging one line runs at about two thirds of its own speed with the inspector and at
 * about nine tenths without it (ADR 0026, session 6). The bench runs both of the Workers it compares
 * this way; `npm run dev` keeps the inspector (devtools and breakpoints are why one runs it).
 * Node built-ins and wrangler only; stops on SIGINT/SIGTERM.
 */
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    ip: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    'persist-to': { type: 'string' },
    var: { type: 'string', multiple: true, default: [] },
    'log-level': { type: 'string', default: 'log' },
  },
});
if (!args.config || !args.port) {
  console.error('serve-worker: --config and --port are required');
  process.exit(2);
}
const bindings = Object.fromEntries(
  args.var.map((pair) => {
    const at = pair.indexOf(':');
    if (at < 1) {
      console.error(`serve-worker: --var takes NAME:VALUE, got "${pair}"`);
      process.exit(2);
    }
    // As `wrangler dev --var` passes them: the same input, values kept out of the printed binding table.
    return [pair.slice(0, at), { type: 'plain_text', value: pair.slice(at + 1), hidden: true }];
  }),
);
const persist = args['persist-to'] === undefined ? undefined : isAbsolute(args['persist-to']) ? args['persist-to'] : resolve(args['persist-to']);

// Loaded once the arguments hold: wrangler takes seconds to import.
const { unstable_startWorker } = await import('wrangler');
const worker = await unstable_startWorker({
  config: args.config,
  bindings,
  dev: { server: { hostname: args.ip, port: Number(args.port) }, inspector: false, persist, logLevel: args['log-level'], watch: false },
});
await worker.ready;
console.log(`serve-worker: ready on ${await worker.url}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    worker.dispose().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
