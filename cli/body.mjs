import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.mjs';

/**
 * A create or update body: `-f file.json` (or `-f -` for stdin) first, then the resource's flags,
 * then `--set field=value` (value parsed as JSON when it is JSON, else taken as a string; a dotted
 * field sets a nested one). Later sources override earlier ones field by field.
 */

/** parseArgs options for a resource's body flags. */
export function bodyFlagOptions(flags) {
  return Object.fromEntries(Object.entries(flags).map(([name, spec]) => [name, { type: 'string', multiple: ['list', 'labels', 'json-list'].includes(spec.kind) }]));
}

export async function buildBody(values, flags, { stdin } = {}) {
  const body = values.file === undefined ? {} : await readBodyFile(values.file, stdin);
  for (const [name, spec] of Object.entries(flags)) {
    if (values[name] !== undefined) body[spec.field] = convert(name, spec.kind, values[name]);
  }
  for (const assignment of values.set ?? []) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw new UsageError(`--set needs field=value, not "${assignment}"`);
    setPath(body, assignment.slice(0, at).split('.'), jsonOrString(assignment.slice(at + 1)));
  }
  return body;
}

async function readBodyFile(file, stdin) {
  let text;
  try {
    text = file === '-' ? await readAll(stdin ?? process.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error.message}`);
  }
  try {
    const parsed = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed;
  } catch (error) {
    throw new UsageError(`${file} is not a JSON object: ${error.message}`);
  }
}

async function readAll(stream) {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

function convert(flag, kind, value) {
  switch (kind) {
    case 'string':
    case 'list':
      return value;
    case 'bool':
      if (value !== 'true' && value !== 'false') throw new UsageError(`--${flag} takes true or false, not "${value}"`);
      return value === 'true';
    case 'int':
      if (!/^-?\d+$/.test(value)) throw new UsageError(`--${flag} takes a whole number, not "${value}"`);
      return Number(value);
    case 'json':
      return parseJson(flag, value);
    case 'json-list':
      return value.map((v) => parseJson(flag, v));
    case 'labels':
      return Object.fromEntries(
        value.map((pair) => {
          const at = pair.indexOf('=');
          if (at <= 0) throw new UsageError(`--${flag} takes key=value, not "${pair}"`);
          return [pair.slice(0, at), pair.slice(at + 1)];
        }),
      );
    default:
      throw new Error(`unknown flag kind ${kind}`);
  }
}

function parseJson(flag, value) {
  try {
    return JSON.parse(value);
  } catch {
    throw new UsageError(`--${flag} takes JSON, not ${value}`);
  }
}

function jsonOrString(value) {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function setPath(target, path, value) {
  const last = path.pop();
  let node = target;
  for (const key of path) node = node[key] !== null && typeof node[key] === 'object' ? node[key] : (node[key] = {});
  node[last] = value;
}
