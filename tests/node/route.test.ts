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
