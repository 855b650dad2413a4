import { describe, expect, it } from 'vitest';

/** Every source file's text, by path relative to src/ (bundled by Vite at test build time). */
const SOURCES = Object.fromEntries(
  Object.entries(import.meta.glob('../../src/**/*.ts', { query: '?raw', import: 'default', eager: true }) as Record<string, string>).map(([path, text]) => [
    path.replace('../../src/', ''),
    text,
  ]),
);

/** The folders (under src/) a file's relative imports reach. */
function importedFolders(path: string): string[] {
  const folders: string[] = [];
  for (const [, target] of SOURCES[path]!.matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm)) {
    const resolved = new URL(target!, `https://src/${path}`).pathname.slice(1);
    folders.push(resolved.includes('/') ? resolved.slice(0, resolved.indexOf('/')) : resolved);
  }
  return folders;
}

function filesUnder(folder: string): string[] {
  return Object.keys(SOURCES).filter((path) => path.startsWith(`${folder}/`));
}

/** Layers point one way (DESIGN.md, "Layout"); the composition root (app.ts) alone knows every front door. */
describe('import layering', () => {
  it('finds the sources', () => {
    expect(filesUnder('s3').length).toBeGreaterThan(20);
    expect(importedFolders('s3/lifecycle.ts')).toContain('auth');
  });

  it.each(['s3', 'registry', 'auth', 'core'])('%s/ never imports sts/ (the credential store is handed in by src/app.ts)', (folder) => {
    for (const path of filesUnder(folder)) expect(importedFolders(path), path).not.toContain('sts');
  });

  it('auth/ never imports s3 handlers or the operations table', () => {
    for (const path of filesUnder('auth')) {
      for (const [, target] of SOURCES[path]!.matchAll(/from '([^']+)'/g)) expect(target, path).not.toMatch(/s3\/(handlers|operations|dispatch|lifecycle)/);
    }
  });

  it('registry/ never opens a backend: no import of connections/open-backend or the driver table (openers are handed in)', () => {
    for (const path of filesUnder('registry')) {
      for (const [, target] of SOURCES[path]!.matchAll(/from '([^']+)'/g)) expect(target, path).not.toMatch(/connections\/open-backend|storage\/drivers$/);
    }
  });

  it('only a connection kind\'s own file (and the driver table) reaches its driver: nothing else switches on the kind', () => {
    for (const path of Object.keys(SOURCES).filter((p) => !p.startsWith('storage/') && !p.startsWith('connections/kinds/'))) {
      for (const [, target] of SOURCES[path]!.matchAll(/from '([^']+)'/g)) expect(target, path).not.toMatch(/storage\/(azure|webdav)\//);
    }
  });

  it('core/ imports nothing else in src/', () => {
    for (const path of filesUnder('core')) expect(importedFolders(path).filter((f) => f !== 'core'), path).toEqual([]);
  });
});
