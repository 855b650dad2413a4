/**
 * Checks a JSON value against a JSON Schema (2020-12, as OpenAPI 3.1 embeds it), for the keywords
 * the admin API's generated document uses. Any other keyword throws, so a schema this checker does
 * not understand fails the test instead of passing unchecked. (ajv compiles validators with
 * `new Function`, which workerd refuses, and nothing lighter is installed.)
 */

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['description', 'default', 'format', 'title', 'example', 'examples', 'deprecated']);
const UNDERSTOOD = new Set(['$ref', 'type', 'properties', 'required', 'additionalProperties', 'oneOf', 'anyOf', 'enum', 'const', 'pattern', 'minLength', 'maxLength', 'items', 'minItems', 'maxItems', 'minimum', 'maximum']);

/** The paths (`$.a.b`) at which `value` fails `schema`; empty when it conforms. */
export function schemaErrors(value: unknown, schema: Schema, root: Record<string, unknown>, at = '$'): string[] {
  for (const keyword of Object.keys(schema)) {
    if (!UNDERSTOOD.has(keyword) && !ANNOTATIONS.has(keyword)) throw new Error(`json-schema-subset: keyword "${keyword}" at ${at} is not understood`);
  }
  if (typeof schema.$ref === 'string') return schemaErrors(value, resolve(schema.$ref, root), root, at);
  const errors: string[] = [];
  const fail = (message: string) => errors.push(`${at}: ${message}`);

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [`${at}: expected ${types.join(' or ')}`];
  }
  if (schema.enum !== undefined && !(schema.enum as unknown[]).some((e) => e === value)) fail(`not one of ${JSON.stringify(schema.enum)}`);
  if (schema.const !== undefined && schema.const !== value) fail(`not ${JSON.stringify(schema.const)}`);
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) fail(`does not match ${schema.pattern}`);
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail(`fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail(`more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => errors.push(...schemaErrors(item, schema.items as Schema, root, `${at}[${i}]`)));
  }
  if (isObject(value)) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in value)) fail(`missing "${name}"`);
    for (const [name, member] of Object.entries(value)) {
      const where = `${at}.${name}`;
      if (properties[name]) errors.push(...schemaErrors(member, properties[name], root, where));
      else if (schema.additionalProperties === false) errors.push(`${where}: not allowed`);
      else if (isObject(schema.additionalProperties)) errors.push(...schemaErrors(member, schema.additionalProperties, root, where));
    }
  }
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((s) => schemaErrors(value, s, root, at).length === 0)) fail('matches none of anyOf');
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter((s) => schemaErrors(value, s, root, at).length === 0).length;
    if (matching !== 1) fail(`matches ${matching} of oneOf, not exactly one`);
  }
  return errors;
}

function resolve(ref: string, root: Record<string, unknown>): Schema {
  if (!ref.startsWith('#/')) throw new Error(`json-schema-subset: only local references, not ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = isObject(node) ? node[part.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  if (!isObject(node)) throw new Error(`json-schema-subset: ${ref} resolves to nothing`);
  return node;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return typeof value === type;
  }
}
