import { parseArgs } from 'node:util';
import { adminClient } from './api.mjs';
import { auditTail } from './audit.mjs';
import { bodyFlagOptions } from './body.mjs';
import { resolveTarget } from './config.mjs';
import { runCrud } from './crud.mjs';
import { describeError, EXIT_API, EXIT_OK, EXIT_USAGE, UsageError } from './errors.mjs';
import { login } from './login.mjs';
import { record } from './output.mjs';
import { RESOURCES } from './resources.mjs';
import { applyRole } from './roles-apply.mjs';
import { usage } from './usage.mjs';

/** `bucketgate <command> …`: parses the command line, runs the command, maps failures to exit codes. */

export const HELP = `bucketgate — admin CLI for a bucketgate gateway

  bucketgate login [--endpoint URL] [--token-stdin] [--profile NAME]
  bucketgate <buckets|keys|idps|roles|revocations|connections> list
  bucketgate <resource> get <id>                 (revocations: get <kind> <id>)
  bucketgate <resource> create [<name>] [flags] [-f file.json] [--set field=value]
  bucketgate <resource> update <id> [flags] [-f file.json] [--set field=value]
  bucketgate <resource> delete <id>              (revocations: delete <kind> <id>)
  bucketgate buckets suspend|resume|validate <name>
  bucketgate keys rotate <id>                    prints the new secret once
  bucketgate connections validate <id> | rotate <id> -f auth.json   (body {"auth":{…}})
  bucketgate roles apply -f role.json            create or update by name; unchanged when equal
  bucketgate audit tail [--limit N] [--follow] [--interval S] [--actor A] [--action A] [--target T] [--outcome O] [--since T] [--until T]
  bucketgate usage [--from DATE] [--to DATE] [--group-by bucket|principal|operation|day]

Global: --json (JSON output), --profile NAME, --endpoint URL, -h/--help.
Endpoint and token: BUCKETGATE_ENDPOINT / BUCKETGATE_ADMIN_TOKEN, else the profile saved by login
(~/.config/bucketgate/config.json, 0600). Exit codes: 0 ok, 1 the API refused (or was unreachable), 2 usage.
Flags per resource: bucketgate <resource> help.`;

const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  profile: { type: 'string' },
  endpoint: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};
const BODY_OPTIONS = { file: { type: 'string', short: 'f' }, set: { type: 'string', multiple: true } };

/** The options each command accepts besides the global ones. */
function optionsFor(command, action) {
  if (command === 'login') return { 'token-stdin': { type: 'boolean' } };
  if (command === 'audit') return { limit: { type: 'string' }, follow: { type: 'boolean' }, interval: { type: 'string' }, actor: { type: 'string' }, action: { type: 'string' }, target: { type: 'string' }, outcome: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } };
  if (command === 'usage') return { from: { type: 'string' }, to: { type: 'string' }, 'group-by': { type: 'string' } };
  const resource = RESOURCES[command];
  if (!resource) return {};
  if (action === 'create' || action === 'update' || action === 'apply' || resource.actions?.[action]?.body) {
    return { ...BODY_OPTIONS, ...bodyFlagOptions(resource.flags), ...(resource.validateFlag ? { 'no-validate': { type: 'boolean' } } : {}) };
  }
  return {};
}

function resourceHelp(name) {
  const resource = RESOURCES[name];
  const flags = Object.entries(resource.flags).map(([flag, spec]) => `  --${flag} <${spec.kind}>  → ${spec.field}`);
  return [`bucketgate ${name} ${['list', 'get', 'create', 'update', 'delete', ...Object.keys(resource.actions ?? {})].join('|')}`, 'Body flags (create, update):', ...flags, '  -f file.json | -f -, --set field=value', ...(resource.validateFlag ? ['  --no-validate  save without probing the upstream'] : [])].join('\n');
}

/**
 * @param {string[]} argv the arguments after the program name
 * @param {{ env: Record<string, string | undefined>, out: (s: string) => void, err: (s: string) => void, stdin?: AsyncIterable<string>, signal?: AbortSignal }} io
 * @returns {Promise<number>} the exit code
 */
export async function main(argv, io) {
  try {
    await run(argv, io);
    return EXIT_OK;
  } catch (error) {
    io.err(describeError(error));
    return error instanceof UsageError ? EXIT_USAGE : EXIT_API;
  }
}

async function run(argv, io) {
  const [command, maybeAction] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return io.out(HELP);
  const takesAction = command in RESOURCES || command === 'audit';
  const action = takesAction ? maybeAction : undefined;
  if (takesAction && (action === undefined || action === 'help' || action === '--help' || action === '-h')) {
    if (command === 'audit') return io.out(HELP);
    return io.out(resourceHelp(command));
  }
  if (!takesAction && !['login', 'usage'].includes(command)) throw new UsageError(`unknown command "${command}"`);

  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(takesAction ? 2 : 1), options: { ...GLOBAL_OPTIONS, ...optionsFor(command, action) }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) return io.out(command in RESOURCES ? resourceHelp(command) : HELP);
  const ctx = { ...io, env: io.env, values, positionals, name: command };
  if (command === 'login') return login(ctx);

  if (command === 'audit' && action !== 'tail') throw new UsageError(`unknown action "${action}" for audit: tail`);
  if (!(command in RESOURCES) && positionals.length) throw new UsageError(`${command} takes no positional arguments`);
  ctx.api = adminClient(await resolveTarget(io.env, values));
  if (command === 'audit') return auditTail(ctx);
  if (command === 'usage') return usage(ctx);

  ctx.resource = RESOURCES[command];
  if (command === 'roles' && action === 'apply') return applyRole(ctx);
  if (command === 'keys') {
    // The answers that carry a secret (create, rotate): shown once, with a reminder that it will not be again.
    ctx.printSecret = (key, verb) => {
      const { secretAccessKey, ...rest } = key;
      io.out(`${verb} ${key.accessKeyId}\n${record(rest)}\n\nsecretAccessKey  ${secretAccessKey}\nThe secret is shown only now: store it (rotate the key if it is lost).`);
    };
  }
  return runCrud(ctx, ctx.resource, action);
}
