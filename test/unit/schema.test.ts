/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import schema from '../../schema.sql?raw';

// Every migration in order: together they must build what schema.sql describes.
const migrations = import.meta.glob<string>('../../migrations/*.sql', { query: '?raw', import: 'default', eager: true });
const migrated = Object.keys(migrations)
  .sort()
  .map((path) => migrations[path])
  .join('\n');

/** `CREATE TABLE|INDEX` statements keyed by object name, comments dropped and whitespace collapsed. */
function createStatements(sql: string): Map<string, string> {
  const statements = new Map<string, string>();
  const withoutComments = sql.replace(/--[^\n]*/g, '');
  for (const statement of withoutComments.split(';')) {
    const normalized = statement.replace(/\s+/g, ' ').trim();
    const match = /^CREATE (?:TABLE|(?:UNIQUE )?INDEX) (?:IF NOT EXISTS )?(\w+)/i.exec(normalized);
    if (match) statements.set(match[1]!, normalized);
    // SQLite appends an added column after the others: the table as migrations leave it.
    const added = /^ALTER TABLE (\w+) ADD COLUMN (.+)$/i.exec(normalized);
    const table = added && statements.get(added[1]!);
    if (added && table) statements.set(added[1]!, table.replace(/ \)$/, `, ${added[2]} )`));
  }
  return statements;
}

describe('schema.sql and migrations/', () => {
  it('define the same tables and indexes, statement for statement', () => {
    const current = createStatements(schema);
    const fromMigrations = createStatements(migrated);
    expect(Object.keys(migrations).length).toBeGreaterThan(0);
    expect([...current.keys()].sort()).toEqual([...fromMigrations.keys()].sort());
    for (const [name, statement] of current) expect(fromMigrations.get(name), name).toBe(statement);
  });

  it('builds a table altered by a later migration with the added column last', () => {
    const built = createStatements('CREATE TABLE t ( a TEXT );\nALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT \'{}\';');
    expect(built.get('t')).toBe("CREATE TABLE t ( a TEXT, b TEXT NOT NULL DEFAULT '{}' )");
  });

  it('notices a column that differs', () => {
    const altered = createStatements(schema.replace('display_name      TEXT NOT NULL', 'display_name TEXT'));
    expect(altered.get('access_keys')).not.toBe(createStatements(migrated).get('access_keys'));
  });

  it('define the tables the registry uses', () => {
    const tables = [...createStatements(schema).values()].filter((s) => /^CREATE TABLE/i.test(s));
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const name of ['buckets', 'access_keys', 'audit_log', 'multipart_uploads', 'multipart_parts']) {
      expect(createStatements(schema).has(name), name).toBe(true);
    }
  });
});
