import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// scripts/serve-worker.mjs starts a Worker the way the bench compares them (no devtools inspector);
// its good path runs in copy-large.test.ts (the bench's bare Worker) and in every bench run.
const ROOT = join(import.meta.dirname, '../..');
const serveWorker = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'scripts/serve-worker.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('scripts/serve-worker.mjs refuses what it cannot start', () => {
  it('without --config or --port', () => {
    for (const args of [['--port', '1'], ['--config', 'wrangler.toml']]) {
      const run = serveWorker(...args);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('--config and --port are required');
    }
  });

  it('with a --var that is not NAME:VALUE', () => {
    for (const bad of ['NOCOLON', ':value']) {
      const run = serveWorker('--config', 'wrangler.toml', '--port', '1', '--var', bad);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`--var takes NAME:VALUE, got "${bad}"`);
    }
  });
});
