import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeptAnswers } from '../../src/core/kept-answers';

describe('KeptAnswers', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps an answer, null included, until it is older than the TTL', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const kept = new KeptAnswers<string | null>(5_000, 10);
    kept.keep('a', null, kept.epoch);
    expect(kept.get('a')).toMatchObject({ value: null });
    vi.setSystemTime(Date.now() + 4_999);
    expect(kept.get('a')).toMatchObject({ value: null });
    vi.setSystemTime(Date.now() + 1);
    expect(kept.get('a')).toBeUndefined();
  });

  it('does not keep what was read before a forget', () => {
    const kept = new KeptAnswers<number>(5_000, 10);
    const before = kept.epoch;
    kept.forget('other'); // a write to any key while the read was in flight
    kept.keep('a', 1, before);
    expect(kept.get('a')).toBeUndefined();
    kept.keep('a', 2, kept.epoch);
    expect(kept.get('a')).toMatchObject({ value: 2 });
  });

  it('forgets one key, or all of them', () => {
    const kept = new KeptAnswers<number>(5_000, 10);
    kept.keep('a', 1, kept.epoch);
    kept.keep('b', 2, kept.epoch);
    kept.forget('a');
    expect(kept.get('a')).toBeUndefined();
    expect(kept.get('b')).toMatchObject({ value: 2 });
    kept.forget();
    expect(kept.get('b')).toBeUndefined();
  });

  it('stays within its bound, forgetting the oldest first', () => {
    const kept = new KeptAnswers<number>(5_000, 3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) kept.keep(key, i, kept.epoch);
    kept.keep('a', 10, kept.epoch); // kept again: now the youngest
    kept.keep('d', 3, kept.epoch);
    expect(kept.get('b')).toBeUndefined();
    expect([kept.get('a'), kept.get('c'), kept.get('d')]).toMatchObject([{ value: 10 }, { value: 2 }, { value: 3 }]);
  });
});
