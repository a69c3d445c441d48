// Feature URLs (src/ui/route.ts): every page has a hash route that parses back to itself.
import { describe, expect, it } from 'vitest';
import { browserHref, featureHref, inspectHref, parseRoute } from '../../src/ui/route';

describe('hash routes', () => {
  it('round-trip the browser, feature and inspect pages, and fall back to the lab', () => {
    expect(parseRoute(featureHref('sae-abc', 1234))).toEqual({ page: 'feature', saeId: 'sae-abc', feature: 1234 });
    expect(parseRoute(browserHref('sae-abc'))).toEqual({ page: 'browser', saeId: 'sae-abc' });
    expect(parseRoute(inspectHref('sae x/y'))).toEqual({ page: 'inspect', saeId: 'sae x/y' });
    for (const h of ['', '#', '#/', '#/runs', '#/sae/']) expect(parseRoute(h)).toEqual({ page: 'lab' });
    expect(parseRoute('#/sae/s/feature/-1')).toEqual({ page: 'browser', saeId: 's' });
  });
});

describe('steering presets', () => {
  it('round-trip through the URL, and ignore malformed feature entries', async () => {
    const { decodeSetup, encodeSetup } = await import('../../src/ui/steer-preset');
    const setup = { prompt: 'The whale & the sea? 100%', maxTokens: 30, temperature: 0, topK: 0, topP: 1, seed: 7, features: [{ feature: 12, mode: 'add' as const, multiple: -2.5 }, { feature: 3, mode: 'clamp' as const, multiple: 4 }] };
    const route = parseRoute(`#/sae/s1/steer?${encodeSetup(setup)}`);
    expect(route.page).toBe('steer');
    expect(decodeSetup((route as { query: string }).query)).toEqual(setup);
    expect(decodeSetup('f=1:add:2,x:add:1,2:boost:1,3:ablate:0').features).toEqual([{ feature: 1, mode: 'add', multiple: 2 }, { feature: 3, mode: 'ablate', multiple: 0 }]);
  });
});
