// Feature URLs (src/ui/route.ts): every page has a hash route that parses back to itself.
import { describe, expect, it } from 'vitest';
import { LAB_STAGES, SAE_VIEWS, attributeHref, browserHref, featureHref, inspectHref, neuronHref, neuronsHref, parseRoute, stageHref, toyHref, workspaceHref } from '../../src/ui/route';

describe('hash routes', () => {
  it('round-trip the browser, feature and inspect pages, and fall back to the lab', () => {
    expect(parseRoute(featureHref('sae-abc', 1234))).toEqual({ page: 'feature', saeId: 'sae-abc', feature: 1234 });
    expect(parseRoute(browserHref('sae-abc'))).toEqual({ page: 'browser', saeId: 'sae-abc' });
    expect(parseRoute(inspectHref('sae x/y'))).toEqual({ page: 'inspect', saeId: 'sae x/y' });
    for (const h of ['', '#', '#/', '#/sae/', '#/nowhere', '#/runs/x']) expect(parseRoute(h)).toEqual({ page: 'lab' });
    expect(parseRoute('#/sae/s/feature/-1')).toEqual({ page: 'browser', saeId: 's' });
  });
});

describe('neuron routes', () => {
  it('round-trip the neuron browser and neuron pages, with and without an SAE', () => {
    expect(parseRoute(neuronsHref('run-1', 'blocks.1.mlp.hook_post'))).toEqual({ page: 'neurons', runId: 'run-1', hook: 'blocks.1.mlp.hook_post', saeId: null });
    expect(parseRoute(neuronsHref('run 1/x', 'hook_embed', 'sae a&b'))).toEqual({ page: 'neurons', runId: 'run 1/x', hook: 'hook_embed', saeId: 'sae a&b' });
    expect(parseRoute(neuronHref('r', 'blocks.0.hook_resid_post', 77, 'sae-1'))).toEqual({ page: 'neuron', runId: 'r', hook: 'blocks.0.hook_resid_post', neuron: 77, saeId: 'sae-1' });
    expect(parseRoute(neuronHref('r', 'ln_final.hook_normalized', 0))).toEqual({ page: 'neuron', runId: 'r', hook: 'ln_final.hook_normalized', neuron: 0, saeId: null });
    expect(parseRoute('#/neurons/r/h/neuron/x')).toEqual({ page: 'neurons', runId: 'r', hook: 'h', saeId: null });
    for (const h of ['#/neurons', '#/neurons/r', '#/neurons//h']) expect(parseRoute(h)).toEqual({ page: 'lab' });
  });
});

describe('attribution routes', () => {
  it('round-trip the prompt (any text) and the target token', () => {
    const prompt = 'Call me Ishmael & #1 = "whale"? 100%';
    expect(parseRoute(attributeHref('sae/1', prompt, 42))).toEqual({ page: 'attribute', saeId: 'sae/1', prompt, target: '42' });
    expect(parseRoute(attributeHref('s'))).toEqual({ page: 'attribute', saeId: 's', prompt: '', target: null });
  });
});

describe('steering presets', () => {
  it('round-trip through the URL, and ignore malformed feature entries', async () => {
    const { decodeSetup, encodeSetup } = await import('../../src/ui/steer-preset');
    const setup = { prompt: 'The whale & the sea? 100%', maxTokens: 30, temperature: 0, topK: 0, topP: 1, seed: 7, features: [{ feature: 12, mode: 'add' as const, multiple: -2.5 }, { feature: 3, mode: 'clamp' as const, multiple: 4 }], units: 'max' as const };
    const route = parseRoute(`#/sae/s1/steer?${encodeSetup(setup)}`);
    expect(route.page).toBe('steer');
    expect(decodeSetup((route as { query: string }).query)).toEqual(setup);
    const abs = { ...setup, units: 'abs' as const };
    expect(decodeSetup(encodeSetup(abs))).toEqual(abs);
    expect(encodeSetup(setup)).not.toContain('u=');
    expect(decodeSetup('f=1:add:2,x:add:1,2:boost:1,3:ablate:0').features).toEqual([{ feature: 1, mode: 'add', multiple: 2 }, { feature: 3, mode: 'ablate', multiple: 0 }]);
  });
});

describe('view keys', () => {
  it('tell views apart by page and SAE, not by what the query tunes', async () => {
    const { viewKey } = await import('../../src/ui/route');
    const key = (hash: string) => viewKey(parseRoute(hash));
    expect(key('#/sae/a/steer?p=x&n=3')).toBe(key('#/sae/a/steer?p=y'));
    expect(key('#/sae/a/steer')).not.toBe(key('#/sae/b/steer'));
    expect(key('#/sae/a/steer')).not.toBe(key('#/sae/a/attribute'));
    expect(key('#/sae/a/attribute?prompt=x')).toBe(key('#/sae/a/attribute?prompt=y'));
    expect(key('#/sae/a/feature/1')).not.toBe(key('#/sae/a/feature/2'));
    expect(key('#/')).toBe(key('#/saes'));
    expect(key('#/')).toBe('lab');
  });
});

describe('toy model route', () => {
  it('parses #/toy (with or without a trailing slash) to the toy page', () => {
    expect(parseRoute(toyHref)).toEqual({ page: 'toy' });
    expect(parseRoute('#/toy/')).toEqual({ page: 'toy' });
    expect(parseRoute('#/toys')).toEqual({ page: 'lab' });
  });
});

describe('stage routes', () => {
  it('give every lab stage, every SAE view without an SAE and the workspace a URL', () => {
    for (const stage of LAB_STAGES) expect(parseRoute(stageHref(stage))).toEqual({ page: 'lab', stage });
    for (const view of SAE_VIEWS) expect(parseRoute(stageHref(view))).toEqual({ page: 'choose', view });
    expect(parseRoute(workspaceHref)).toEqual({ page: 'workspace' });
    expect(parseRoute(toyHref)).toEqual({ page: 'toy' });
  });
});
