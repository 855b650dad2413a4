#!/usr/bin/env node
/**
 * `node bench/micro.mjs [--suite hot-path|sts-exchange] [--count 5000] [--repeat 3]`: µs per request of
 * the gateway's pure hot-path steps (bench/micro/hot-path.ts) or of the STS exchange
 * (bench/micro/sts-exchange.ts) in Node, bundled with esbuild. No workerd, no I/O: it shows
 * which step costs what, and whether a change moved it; the workerd ratios are `npm run bench`'s.
 */
import { build } from 'esbuild';
import { timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

// workerd's non-standard constant-time compare, which the verifier uses; Node has it under node:crypto.
crypto.subtle.timingSafeEqual ??= (a, b) => timingSafeEqual(a, b);

const { values } = parseArgs({ options: { suite: { type: 'string', default: 'hot-path' }, count: { type: 'string', default: '5000' }, repeat: { type: 'string', default: '3' } } });
const dir = await mkdtemp(join(tmpdir(), 'bucketgate-micro-'));
try {
  const outfile = join(dir, 'hot-path.mjs');
  await build({
    entryPoints: [new URL(`micro/${values.suite}.ts`, import.meta.url).pathname], bundle: true, format: 'esm', platform: 'neutral',
    outfile, logLevel: 'error', mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'import'],
  });
  const { run } = await import(outfile);
  const rows = [];
  for (let i = 0; i < Number(values.repeat); i++) rows.push(await run(Number(values.count)));
  console.log(`µs per request (${values.count} requests, ${values.repeat} repeats: min / median / max)`);
  for (const name of Object.keys(rows[0])) {
    const v = rows.map((r) => r[name]).sort((a, b) => a - b);
    console.log(`  ${name.padEnd(32)} ${v[0].toFixed(1).padStart(7)} ${v[Math.floor(v.length / 2)].toFixed(1).padStart(7)} ${v[v.length - 1].toFixed(1).padStart(7)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
