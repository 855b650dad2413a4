#!/usr/bin/env node
// The bucketgate admin CLI (cli/main.mjs): a client of /admin/v1 over HTTP; it imports nothing from src/.
import { main } from '../cli/main.mjs';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  signal: controller.signal,
});
