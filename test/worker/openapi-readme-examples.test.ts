import { describe, expect, it } from 'vitest';
import readme from '../../README.md?raw';
import { admin } from './admin-client';
import { schemaErrors } from './helpers/json-schema-subset';
import { adminExamples, type AdminExample } from './helpers/readme-admin-examples';

/** README's admin API examples (fences marked `sh admin-example`) against openapi.json (adrs/0025). */

type Doc = { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>> };

/** The document's path template that `path` instantiates (`/buckets/demo` → `/buckets/{name}`). */
function templateOf(doc: Doc, path: string): string | undefined {
  return Object.keys(doc.paths).find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

function problems(doc: Doc, example: AdminExample): string[] {
  const where = `README.md:${example.line} ${example.method} ${example.path}`;
  const template = templateOf(doc, example.path);
  const op = template ? doc.paths[template]![example.method.toLowerCase()] : undefined;
  if (!op) return [`${where}: no such operation in openapi.json`];
  if (example.body === undefined) return op.requestBody ? [`${where}: the operation takes a body`] : [];
  const schema = op.requestBody?.content['application/json']?.schema;
  if (!schema) return [`${where}: the operation takes no body`];
  return schemaErrors(example.body, schema, doc as unknown as Record<string, unknown>).map((e) => `${where}: ${e}`);
}

describe('README admin examples', () => {
  const examples = adminExamples(readme);

  it('are found in every marked fence', () => {
    // Buckets, keys, connections, STS set-up: a few dozen calls, most with bodies.
    expect(examples.length).toBeGreaterThanOrEqual(25);
    expect(examples.filter((e) => e.body !== undefined).length).toBeGreaterThanOrEqual(15);
    expect(new Set(examples.map((e) => e.path.split('/')[1]))).toEqual(new Set(['buckets', 'keys', 'connections', 'settings', 'idps', 'roles']));
  });

  it('each name a documented operation, and each body validates against its request schema', async () => {
    const doc = (await admin('GET', '/openapi.json')).json as Doc;
    expect(examples.flatMap((example) => problems(doc, example))).toEqual([]);
  });

  it('would be caught: a misspelt field, a wrong type, an unknown path', async () => {
    const doc = (await admin('GET', '/openapi.json')).json as Doc;
    expect(problems(doc, { line: 0, method: 'POST', path: '/buckets', body: { name: 'demo', publicReed: true } })).toEqual(['README.md:0 POST /buckets: $.publicReed: not allowed']);
    expect(problems(doc, { line: 0, method: 'PATCH', path: '/keys/AKIAEXAMPLE', body: { enabled: 'yes' } })).toEqual(['README.md:0 PATCH /keys/AKIAEXAMPLE: $.enabled: expected boolean']);
    expect(problems(doc, { line: 0, method: 'POST', path: '/connections', body: { kind: 's3', name: 'x', endpoint: 'https://e', auth: { mode: 'magic' } } })).toHaveLength(1);
    expect(problems(doc, { line: 0, method: 'POST', path: '/bucket' })).toEqual(['README.md:0 POST /bucket: no such operation in openapi.json']);
  });
});
