#!/usr/bin/env node
/**
 * `npm run bench`: the gateway's hot path as ratios against a bare Worker measured in the same run.
 *
 *   node bench/run.mjs [--only get,sts-get,anon-get,list,sts,upstream,azure,webdav,uploads] [--requests 2000] [--concurrency 16]
 *     [--warmup 200] [--rounds 2] [--small-mib 64] [--large-mib 1024] [--transfer-mib 256] [--profile] [--keep]
 *
 * Starts, on free 127.0.0.1 ports and one fresh temporary --persist-to directory, the gateway
 * (scripts/dev.mjs: D1 migrations, seeding through the admin API) and the bare Worker
 * (bench/baseline-worker.ts) reading the same local R2 bucket. Then:
 *   a) 1 KiB GETs, SigV4-signed through the gateway vs raw from the bare Worker: req/s, p50, p99,
 *      workerd CPU per request, and the ratios;
 *   b) PUTs of a generated body (64 MiB, then 1 GiB) to each side while sampling workerd's RSS:
 *      the gateway's memory must not grow with object size beyond what the bare Worker's does
 *      (these run first, before the baseline starts: lib/main.mjs says why);
 *   c) `upstream`, `azure`, `webdav`: 256 MiB PUT/GET through the gateway to a second bucketgate,
 *      Azurite, Apache mod_dav ÷ the same transfers direct to that server (lib/upstream-transfer.mjs);
 * prints a table and writes bench/results/latest.json. Servers are stopped at the end, on error
 * and on SIGINT/SIGTERM; --keep leaves the temporary directory (logs, state) for inspection.
 * Exit status 1 when a step fails or the gateway's memory grows with object size.
 * adrs/0006-benchmarking.md says what the numbers mean and what they cannot say.
 */
import { main } from './lib/main.mjs';

await main(process.argv.slice(2));
