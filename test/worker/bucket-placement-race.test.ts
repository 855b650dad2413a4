import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { admin, uniqueBucketName } from './admin-client';
import { createAccessKey } from './helpers/fixtures';
import { type Credentials, errorCode, signedFetch } from './helpers/s3-client';

/**
 * Two writers whose placements overlap race each other through the whole Worker. Placement is
 * decided by one guarded D1 statement (adrs/0016), so every race must end with exactly one winner
 * and a clean conflict for the loser, whichever request D1 happens to run first.
 */

const RACES = 24;

async function registered(name: string): Promise<boolean> {
  return (await env.DB.prepare('SELECT 1 FROM buckets WHERE name = ?').bind(name).first()) !== null;
}

async function storedPrefix(name: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT json_extract(backend, '$.prefix') AS prefix FROM buckets WHERE name = ?").bind(name).first<{ prefix: string }>();
  return row?.prefix ?? null;
}

interface Outcome {
  name: string;
  won: boolean;
  /** The loser's answer: admin error code + field message, or the S3 error code. */
  refusal?: { status: number; code: string | null; field?: string };
}

function adminCreate(name: string, binding: string, prefix: string): () => Promise<Outcome> {
  return async () => {
    const r = await admin('POST', '/buckets', { name, backend: { type: 'r2', binding, prefix } });
    if (r.status === 201) return { name, won: true };
    return { name, won: false, refusal: { status: r.status, code: r.json?.error?.code ?? null, field: r.json?.error?.fields?.['backend.prefix']?.[0] } };
  };
}

function s3Create(credentials: Credentials, name: string): () => Promise<Outcome> {
  return async () => {
    const r = await signedFetch(credentials, 'PUT', `/${name}`);
    if (r.status === 200) return { name, won: true };
    return { name, won: false, refusal: { status: r.status, code: await errorCode(r) } };
  };
}

function adminMove(name: string, binding: string, prefix: string): () => Promise<Outcome> {
  return async () => {
    const r = await admin('PATCH', `/buckets/${name}`, { backend: { type: 'r2', binding, prefix } });
    if (r.status === 200) return { name, won: true };
    return { name, won: false, refusal: { status: r.status, code: r.json?.error?.code ?? null, field: r.json?.error?.fields?.['backend.prefix']?.[0] } };
  };
}

/** Starts both writers together (alternating which is issued first) and waits for both. */
async function race(i: number, a: () => Promise<Outcome>, b: () => Promise<Outcome>): Promise<[Outcome, Outcome]> {
  return i % 2 === 0 ? Promise.all([a(), b()]) : Promise.all([b(), a()]).then(([y, x]) => [x, y]);
}

/** Exactly one winner; the loser got the conflict its dialect uses, naming the winner (admin). */
function expectOneWinner(outcomes: Outcome[], s3Names: Set<string>): Outcome {
  const winners = outcomes.filter((o) => o.won);
  expect(winners, JSON.stringify(outcomes)).toHaveLength(1);
  const winner = winners[0]!;
  for (const loser of outcomes.filter((o) => !o.won)) {
    if (s3Names.has(loser.name)) {
      expect(loser.refusal).toEqual({ status: 409, code: 'BucketAlreadyExists' });
    } else {
      expect(loser.refusal).toMatchObject({ status: 409, code: 'BucketPlacementConflict' });
      expect(loser.refusal?.field).toContain(winner.name);
    }
  }
  return winner;
}

describe('bucket placement under concurrent writers', () => {
  it(`admin create vs admin create and S3 CreateBucket vs admin create: always exactly one winner (${RACES} races)`, async () => {
    const creator = await createAccessKey([{ effect: 'allow', actions: ['s3:CreateBucket'], resources: ['race-*'] }], 'racer');
    const tally = { admin: 0, s3: 0 };
    for (let i = 0; i < RACES; i++) {
      const tag = crypto.randomUUID().slice(0, 8);
      let outcomes: Outcome[];
      const s3Names = new Set<string>();
      if (i % 3 === 0) {
        // Two operators place buckets on STORAGE_B, one prefix inside the other.
        outcomes = await race(i, adminCreate(`race-a-${tag}`, 'STORAGE_B', `race/${tag}/`), adminCreate(`race-b-${tag}`, 'STORAGE_B', `race/${tag}/inner/`));
      } else {
        // A client's CreateBucket lands on `buckets/<name>/` of STORAGE; an operator targets the same place.
        const s3Name = `race-s-${tag}`;
        s3Names.add(s3Name);
        const prefix = i % 3 === 1 ? `buckets/${s3Name}/` : `buckets/${s3Name}/deeper/`;
        outcomes = await race(i, s3Create(creator, s3Name), adminCreate(`race-o-${tag}`, 'STORAGE', prefix));
      }
      const winner = expectOneWinner(outcomes, s3Names);
      tally[s3Names.has(winner.name) ? 's3' : 'admin']++;
      for (const o of outcomes) expect(await registered(o.name)).toBe(o.won);
    }
    // Informational: both kinds of writer do win some races (the order D1 runs them in varies).
    console.log(`placement races won: ${JSON.stringify(tally)}`);
  });

  it(`a PATCH moving a bucket vs a create into the target place: exactly one winner (${RACES} races)`, async () => {
    for (let i = 0; i < RACES; i++) {
      const tag = crypto.randomUUID().slice(0, 8);
      const mover = uniqueBucketName('race-m');
      expect((await admin('POST', '/buckets', { name: mover, backend: { type: 'r2', binding: 'STORAGE_B', prefix: `move/${tag}/from/` } })).status).toBe(201);
      const newcomer = `race-n-${tag}`;
      const outcomes = await race(i, adminMove(mover, 'STORAGE_B', `move/${tag}/to/`), adminCreate(newcomer, 'STORAGE_B', `move/${tag}/to/sub/`));
      const winner = expectOneWinner(outcomes, new Set());
      expect(await storedPrefix(mover)).toBe(winner.name === mover ? `move/${tag}/to/` : `move/${tag}/from/`);
      expect(await registered(newcomer)).toBe(winner.name === newcomer);
    }
  });

  it(`a PATCH of other settings never undoes a concurrent move (${RACES} races)`, async () => {
    for (let i = 0; i < RACES; i++) {
      const tag = crypto.randomUUID().slice(0, 8);
      const name = uniqueBucketName('race-l');
      expect((await admin('POST', '/buckets', { name, backend: { type: 'r2', binding: 'STORAGE_B', prefix: `lost/${tag}/old/` } })).status).toBe(201);
      const [move, label] = await race(i, adminMove(name, 'STORAGE_B', `lost/${tag}/new/`), async () => {
        const r = await admin('PATCH', `/buckets/${name}`, { labels: { round: String(i) } });
        return { name, won: r.status === 200 };
      });
      expect(move.won && label.won).toBe(true);
      // A read-modify-write of the whole row would put the old prefix back: that old place is free
      // again, so another bucket could be created there and share this one's objects.
      expect(await storedPrefix(name)).toBe(`lost/${tag}/new/`);
      expect((await admin('GET', `/buckets/${name}`)).json.labels).toEqual({ round: String(i) });
    }
  });
});
