// The attention page's URL (#/attention?…) is its whole state: every setup round-trips through the route.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTENTION, encodeAttentionQuery, parseAttentionQuery } from '../../src/ui/attention-url';
import { attentionHref, parseRoute } from '../../src/ui/route';

const roundTrip = (query: string) => {
  const r = parseRoute(attentionHref(query));
  if (r.page !== 'attention') throw new Error(`parsed as ${r.page}`);
  return parseAttentionQuery(r.query);
};

describe('attention URLs', () => {
  it('round-trip a prompt with any characters, BOS, the open head and the query', () => {
    const s = { ...DEFAULT_ATTENTION, prompt: 'Mary & John? #1 = "100%"\nnext', prependBos: false, head: { layer: 3, head: 11 }, query: 7 };
    expect(roundTrip(encodeAttentionQuery(s))).toEqual(s);
    expect(roundTrip(encodeAttentionQuery(DEFAULT_ATTENTION))).toEqual(DEFAULT_ATTENTION);
    expect(attentionHref()).toBe('#/attention');
    expect(parseRoute('#/attention')).toEqual({ page: 'attention', query: '' });
  });

  it('round-trip the repeated-random-tokens test and ignore malformed values', () => {
    const s = { ...DEFAULT_ATTENTION, repeat: 25, seed: 9 };
    expect(encodeAttentionQuery(s)).toBe('repeat=25&seed=9');
    expect(roundTrip(encodeAttentionQuery(s))).toEqual(s);
    expect(parseAttentionQuery('repeat=x&seed=-1&head=1&q=a')).toEqual(DEFAULT_ATTENTION);
  });
});
