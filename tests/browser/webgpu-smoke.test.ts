// WebGPU in headless Chromium (SwiftShader): adapter present, a compute shader gives right numbers,
// the page is cross-origin isolated, and modules can be imported into the page from the dev server.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { expectNoErrorsPerTest } from './page-errors';
import type { AdapterReport } from './pages/webgpu-smoke';

const baseUrl = inject('baseUrl');
const MODULE = '/tests/browser/pages/webgpu-smoke.ts';

describe('webgpu smoke', () => {
  let p: OpenedPage;

  beforeAll(async () => {
    p = await openPage(`${baseUrl}/tests/browser/pages/blank.html`, { prefix: '[webgpu-smoke]' });
  });

  afterAll(async () => {
    await p?.close();
    await closeChromium();
  });
  expectNoErrorsPerTest(() => p);

  it('requestAdapter() gives an adapter; page is cross-origin isolated', async () => {
    const r = await callInPage<AdapterReport>(p.page, MODULE, 'adapterReport');
    console.log(
      `[webgpu-smoke] adapter vendor=${r.vendor} architecture=${r.architecture} device=${r.device || '-'} ` +
        `description=${r.description || '-'} fallback=${r.isFallbackAdapter}`,
    );
    console.log(`[webgpu-smoke] limits ${JSON.stringify(r.limits)}`);
    console.log(`[webgpu-smoke] features ${r.features.join(', ')}`);
    expect(r.vendor.length + r.architecture.length).toBeGreaterThan(0);
    expect(r.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(r.crossOriginIsolated).toBe(true);
  });

  it('a compute shader doubles 1000 floats', async () => {
    const n = 1000;
    const out = await callInPage<number[]>(p.page, MODULE, 'doubleOnGpu', n);
    expect(out).toHaveLength(n);
    expect(out).toEqual(Array.from({ length: n }, (_, i) => i * 0.5 * 2));
  });

  it('page.evaluate(string) with import() of a dev-server TS module works', async () => {
    // (An arrow function with import() inside would be rewritten by Vitest; see callInPage.)
    const t = await p.page.evaluate(`import(${JSON.stringify(MODULE)}).then((m) => typeof m.doubleOnGpu)`);
    expect(t).toBe('function');
  });

  it('no console errors or page errors', () => {
    expect(p.errors).toEqual([]);
  });
});
