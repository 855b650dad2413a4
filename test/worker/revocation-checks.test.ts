import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../src/env';
import { ISOLATE_TTL_MS } from '../../src/registry/cache';
import { findRevocation, forgetRecentRevocationChecks, revoke, type RevocationSubject, unrevoke } from '../../src/registry/revocations';

let seq = 0;
function session(): RevocationSubject {
  seq++;
  return { jti: `JTI${seq}`.padEnd(26, 'A'), roleId: `role-${seq}-${Date.now()}`, idpId: `idp-${seq}`, issuer: 'https://issuer.example', subject: `sub-${seq}-${Date.now()}`, issuedAt: new Date(Date.now() - 60_000) };
}

/** What another isolate (or location) does when it revokes: the KV entry alone, this isolate's copy untouched. */
async function revokeElsewhere(jti: string): Promise<void> {
  const entry = { kind: 'session', id: jti, revokedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), label: {} };
  await env.CACHE.put(`sts/revoked/v1/session/${jti}`, JSON.stringify(entry), { expirationTtl: 3600 });
}

describe('deny-list checks kept in isolate memory', () => {
  afterEach(() => {
    vi.useRealTimers();
    forgetRecentRevocationChecks();
  });

  it('sees a revocation made in another isolate once its kept answer is older than the isolate TTL', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const s = session();
    expect(await findRevocation(env, s)).toBeNull();
    await revokeElsewhere(s.jti!);
    expect(await findRevocation(env, s)).toBeNull(); // this isolate's answer, younger than the TTL
    vi.setSystemTime(Date.now() + ISOLATE_TTL_MS + 1);
    expect((await findRevocation(env, s))?.id).toBe(s.jti);
  });

  it("applies this isolate's own revocations and lifts at once", async () => {
    const s = session();
    expect(await findRevocation(env, s)).toBeNull();
    await revoke(env, { kind: 'role', id: s.roleId!, revokedAt: new Date().toISOString(), label: { role: 'r' } });
    expect((await findRevocation(env, s))?.kind).toBe('role');
    expect(await unrevoke(env, 'role', s.roleId!)).toBe(true);
    expect(await findRevocation(env, s)).toBeNull();
  });

  it('does not keep an answer read while this isolate was revoking', async () => {
    const s = session();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The KV read answers only after the revocation below has been written: what it read is the old state.
    const slowCache = new Proxy(env.CACHE, {
      get(target, prop) {
        if (prop !== 'get') return Reflect.get(target, prop);
        return async (...args: Parameters<KVNamespace['get']>) => {
          const answer = await (target.get as (...a: unknown[]) => Promise<unknown>)(...args);
          await gate;
          return answer;
        };
      },
    });
    const overlapping = findRevocation({ ...env, CACHE: slowCache } as Env, s);
    await revoke(env, { kind: 'session', id: s.jti!, revokedAt: new Date().toISOString(), label: {} });
    release();
    expect(await overlapping).toBeNull(); // the read began before the revocation
    expect((await findRevocation(env, s))?.id).toBe(s.jti); // and was not kept
  });

  it('keeps answers apart per session: one revoked session does not hide or reveal another', async () => {
    const a = session();
    const b = { ...session(), issuer: a.issuer, subject: a.subject };
    expect(await findRevocation(env, a)).toBeNull();
    expect(await findRevocation(env, b)).toBeNull();
    await revoke(env, { kind: 'session', id: a.jti!, revokedAt: new Date().toISOString(), label: {} });
    expect((await findRevocation(env, a))?.id).toBe(a.jti);
    expect(await findRevocation(env, b)).toBeNull();
  });
});
