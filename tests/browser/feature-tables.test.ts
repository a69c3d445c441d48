// Feature tables and the SAE's maps from the page: harvest a small corpus, register an SAE from SAELens files, run
// the statistics pass (GPU: SwiftShader here), then check a feature page's correlated neurons, correlated features
// and nearest features by decoder and encoder cosine against a direct recomputation from the store and the SAE's
// weights (tests/browser/pages/feature-tables-check.ts); the feature browser's density scatter and UMAP map render;
// clicking a point of the map opens that feature's page.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type SaeConfig, initSae } from '../../src/sae/sae';
import { saveSaeLens } from '../../src/sae/saelens';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';
import type { TablesTruth } from './pages/feature-tables-check';

const dir = join(tmpdir(), `sse-feature-tables-${process.pid}`);
const CHECK = '/tests/browser/pages/feature-tables-check.ts';
const IDS = '/tests/browser/pages/neurons-check.ts';
const HOOK = 'blocks.2.hook_resid_post'; // the harvest panel's default hook
const D_SAE = 96;
const N = 16; // rows per table

const saeCfg: SaeConfig = { architecture: 'topk', d_in: 256, d_sae: D_SAE, k: 8, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: HOOK, model_name: 'tiny-gpt2', context_size: 64, prepend_bos: true };

let app: OpenedPage;
let saeId = '';

type Shown = { index: number; value: number }[];
const shown = (testId: string): Promise<Shown> =>
  app.page.getByTestId(testId).getByTestId('table-entry').evaluateAll((els) => els.map((e) => ({ index: Number(e.getAttribute('data-index')), value: Number(e.getAttribute('data-value')) })));

/** Same values in order within tol; where values tie within tol the indices may swap. */
function expectTable(got: Shown, want: Shown, tol: number) {
  expect(got.length).toBe(want.length);
  got.forEach((g, j) => {
    expect(Math.abs(g.value - want[j].value)).toBeLessThanOrEqual(tol);
    if (g.index !== want[j].index) expect(want.some((w) => w.index === g.index && Math.abs(w.value - g.value) <= tol)).toBe(true);
  });
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'moby.txt'), readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').slice(0, 5_000));
  const weights = initSae(saeCfg, 5);
  // Planted: feature 1's decoder row almost equals feature 0's, so it must top 0's nearest-by-decoder table.
  for (let i = 0; i < 256; i++) weights.W_dec[256 + i] = weights.W_dec[i] * 0.9 + 0.001 * ((i % 7) - 3);
  const files = saveSaeLens(saeCfg, weights);
  writeFileSync(join(dir, 'cfg.json'), files['cfg.json']);
  writeFileSync(join(dir, 'sae_weights.safetensors'), files['sae_weights.safetensors']);
  app = await openPage(`${inject('baseUrl')}/`);
  const { page } = app;
  await embeddedModelOn(page, 'wasm');
  await page.getByTestId('corpus-input').setInputFiles([join(dir, 'moby.txt')]);
  await page.getByTestId('context-length').fill('64');
  await page.getByTestId('start-harvest').click();
  await page.locator('[data-testid="run-row"][data-status="done"]').waitFor({ timeout: 180_000 });
  await page.getByTestId('sae-files').setInputFiles([join(dir, 'cfg.json'), join(dir, 'sae_weights.safetensors')]);
  await page.getByTestId('sae-row').waitFor({ timeout: 30_000 });
  ({ saeId } = await callInPage<{ runId: string; saeId: string }>(page, IDS, 'onlyIds'));
  await page.getByTestId('stats-device').selectOption('gpu');
  await page.getByTestId('compute-stats').click();
  await page.getByTestId('sae-stats').waitFor({ timeout: 300_000 });
}, 600_000);

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('feature tables and maps', () => {
  it('a feature page shows correlated neurons and features and nearest features, equal to a direct recomputation', async () => {
    const { page } = app;
    const f = await callInPage<number>(page, CHECK, 'busiestFeature', saeId);
    await page.evaluate(([id, n]) => (window.location.hash = `#/sae/${id}/feature/${n}`), [saeId, f] as const);
    await page.getByTestId('feature-correlated-neurons').getByTestId('table-entry').first().waitFor({ timeout: 120_000 });
    const truth = await callInPage<TablesTruth>(page, CHECK, 'recomputeTables', saeId, f, N);
    expectTable(await shown('feature-correlated-neurons'), truth.neurons, 1e-4);
    expectTable(await shown('feature-nearest-decoder'), truth.decoder, 1e-5);
    expectTable(await shown('feature-nearest-encoder'), truth.encoder, 1e-5);
    // Correlated features come from candidates (not all pairs): each shown r is the true r of that pair, best first.
    const feats = await shown('feature-correlated-features');
    expect(feats.length).toBeGreaterThan(0);
    for (const e of feats) expect(Math.abs(e.value - truth.rWith[e.index])).toBeLessThanOrEqual(1e-4);
    for (let j = 1; j < feats.length; j++) expect(feats[j].value).toBeLessThanOrEqual(feats[j - 1].value);
    expect(await page.getByTestId('feature-tables-caption').textContent()).toContain(`over all ${truth.rows.toLocaleString('en-US')} stored tokens`);
    expect(await page.getByTestId('feature-tables-caption').textContent()).toContain('its own dimensions'); // a resid hook's "neurons"

    // The planted near-twin: feature 0's nearest by decoder cosine is feature 1.
    await page.evaluate((id) => (window.location.hash = `#/sae/${id}/feature/0`), saeId);
    await page.locator('[data-testid="feature-nearest-decoder"] [data-testid="table-entry"]').first().waitFor({ timeout: 120_000 });
    await expect.poll(async () => (await shown('feature-nearest-decoder'))[0]?.index, { timeout: 60_000 }).toBe(1);
    expect((await shown('feature-nearest-decoder'))[0].value).toBeGreaterThan(0.99);
  });

  it('the feature browser shows the density scatter and the map; clicking a map point opens its feature', async () => {
    const { page } = app;
    await page.evaluate((id) => (window.location.hash = `#/sae/${id}`), saeId);
    const scatter = page.locator('[data-testid="sae-density-scatter"][data-drawn="true"]');
    await scatter.waitFor({ timeout: 60_000 });
    const truth = await callInPage<TablesTruth>(page, CHECK, 'recomputeTables', saeId, 0, 1);
    expect(Number(await scatter.getAttribute('data-points'))).toBe(truth.live);
    expect(Number(await scatter.getAttribute('data-dead'))).toBe(D_SAE - truth.live);
    const map = page.locator('[data-testid="sae-feature-map"][data-state="ready"]');
    await map.waitFor({ timeout: 180_000 });
    expect(Number(await map.getAttribute('data-points'))).toBe(D_SAE);
    if (process.env.SSE_SCREENSHOTS) await page.screenshot({ path: join(process.env.SSE_SCREENSHOTS, 'feature-map.png'), fullPage: true });

    // Where each feature is drawn: the saved map's points scaled into the canvas (12 px padding, y up).
    const { x, y } = await callInPage<{ x: number[]; y: number[] }>(page, CHECK, 'mapPoints', saeId);
    const canvas = map.locator('canvas');
    const w = Number(await canvas.getAttribute('width'));
    const h = Number(await canvas.getAttribute('height'));
    const [x0, x1, y0, y1] = [Math.min(...x), Math.max(...x), Math.min(...y), Math.max(...y)];
    const px = x.map((v) => 12 + ((v - x0) / (x1 - x0)) * (w - 24));
    const py = y.map((v) => h - 12 - ((v - y0) / (y1 - y0)) * (h - 24));
    // A point with no other point within 10 px, so the click can only mean it.
    const alone = px.findIndex((_, f) => px.every((_, g) => g === f || Math.hypot(px[g] - px[f], py[g] - py[f]) > 10));
    expect(alone).toBeGreaterThanOrEqual(0);
    await canvas.click({ position: { x: px[alone] + 1, y: py[alone] - 1 } });
    await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 30_000 }).toBe(`#/sae/${saeId}/feature/${alone}`);
    await page.getByTestId('feature-nearest-decoder').waitFor({ timeout: 120_000 });
  });
});
