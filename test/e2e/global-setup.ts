import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { freePorts, startDevGateway, type DevGateway } from './support/dev-gateway';
import { tempDir } from './support/files';
import { connectUpstream, setDefaultBackend, trustDownstream } from './support/federated-upstream';
import { secretsInLog } from './support/log-secrets';
import { recordSecrets, SECRETS_FILE_ENV } from './support/secrets';
import { S3_UPSTREAM_PROJECT, UPSTREAM_BUCKET, UPSTREAM_PREFIX } from './support/upstream-default';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts one isolated gateway for the whole suite — `scripts/dev.mjs` (the same path as
 * `npm run dev`) on a free port with its own --persist-to directory — and stops it at the end,
 * then scans its captured log for every secret the run created (issue 10).
 *
 * In the `s3-upstream` project (vitest.e2e.config.ts) it starts a second instance B too and makes
 * B the default backend of A over keyless federation, so every bucket the clients create on A lives
 * upstream on B, under `<UPSTREAM_PREFIX>buckets/<name>/` in B's bucket UPSTREAM_BUCKET.
 */
export default async function setup(project: TestProject) {
  const viaUpstream = project.name === S3_UPSTREAM_PROJECT;
  const [port, upstreamPort] = await freePorts(2);
  const issuer = `http://127.0.0.1:${port}`;
  // The secrets registry (support/secrets.ts): test workers inherit the variable.
  const secretsFile = join(await tempDir('secrets'), 'secrets.txt');
  process.env[SECRETS_FILE_ENV] = secretsFile;
  const started: DevGateway[] = [];
  const stopAll = () => Promise.allSettled(started.map((gateway) => gateway.stop()));
  try {
    // One after the other: two wrangler dev processes starting at the same moment can pick the
    // same internal socket ("Address already in use (socket direct:1:default)").
    started.push(
      await startDevGateway({
        port,
        log: viaUpstream ? 'e2e-gateway-s3-upstream.log' : 'e2e-gateway.log',
        vars: [
          // ALLOW_INSECURE_ISSUERS: the STS tests' OIDC issuer (test/oidc/issuer.ts) is http on 127.0.0.1, and so is A's own.
          'ALLOW_INSECURE_ISSUERS:true',
          // BASE_DOMAIN=localhost: `<bucket>.localhost:<port>` is virtual-hosted (addressing.test.ts, browser.test.ts);
          // clients reach `127.0.0.1:<port>` path-style as before.
          'BASE_DOMAIN:localhost',
          // A's issuer is its own URL whatever host a request named, so a federated upstream (B) can trust it.
          `ISSUER_URL:${issuer}`,
          // Upstreams (instance B, Azurite, WebDAV servers) listen on 127.0.0.1: the SSRF guard refuses loopback unless allow-listed.
          'ALLOWED_UPSTREAM_HOSTS:127.0.0.1',
        ],
      }),
    );
    if (viaUpstream) started.push(await startDevGateway({ port: upstreamPort, log: 'e2e-upstream-gateway.log', vars: ['ALLOW_INSECURE_ISSUERS:true'] }));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const [a, b] = started;
  try {
    for (const gateway of started) recordSecrets(gateway.info.adminToken, gateway.info.secretAccessKey);
    recordSecrets(...(await devVarSecrets()));
    if (b) {
      const roleArn = await trustDownstream(b.info, issuer, {
        upstreamBucket: UPSTREAM_BUCKET,
        roleName: 'bucketgate-a-default-backend',
        subject: { operator: 'glob', value: '*' },
      });
      const connection = await connectUpstream(a!.info, b.info, { name: 'instance-b', roleArn, probeBucket: UPSTREAM_BUCKET });
      await setDefaultBackend(a!.info, connection, UPSTREAM_BUCKET, UPSTREAM_PREFIX);
      project.provide('upstream', b.info);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  project.provide('gateway', a!.info);
  return async () => {
    await stopAll();
    // Issue 10: no secret the run created may appear in any gateway's log.
    for (const gateway of started) {
      const check = secretsInLog(gateway.logPath, secretsFile);
      if (gateway === a && check.requestLines === 0) throw new Error(`${gateway.logPath} holds no request log lines: the secret scan would prove nothing`);
      if (check.problems.length > 0) throw new Error(`secrets in the gateway log ${gateway.logPath}:\n${check.problems.join('\n')}`);
    }
  };
}

/** MASTER_KEY and ADMIN_TOKEN from .dev.vars, which scripts/dev.mjs hands the gateway. */
async function devVarSecrets(): Promise<string[]> {
  const text = await readFile(join(ROOT, '.dev.vars'), 'utf8').catch(() => '');
  return [...text.matchAll(/^(?:MASTER_KEY|ADMIN_TOKEN)\s*=\s*"?([^"\n]+)"?\s*$/gm)].map((m) => m[1]!);
}
