// The attention page (Chromium, the real app, wasm backend): load the embedded model from the first screen, open
// #/attention?prompt=… and check the layer × head grid, the scores table, and that one head's scores equal those the
// library computes in the page from its own forward pass; open a head with the keyboard (heatmap and arcs), run the
// repeated-random-tokens test; then on a feature page of an SAE on blocks.2.hook_resid_post, "Heads that write this
// feature" against a plain-loop recomputation from the store.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { HeadScores } from '../../src/analysis/attention';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { type SaeConfig, initSae } from '../../src/sae/sae';
import { saveSaeLens } from '../../src/sae/saelens';
import { tokenLabel } from '../../src/ui/token-label';
import { TINY_DIR } from '../helpers/checkpoints';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';

const CHECK = '/tests/browser/pages/attention-check.ts';
const PROMPT = 'The cat sat on the mat. The cat sat on the mat & the "dog" <b>ran</b>.';
const L = 4;
const H = 4;
const HOOK = 'blocks.2.hook_resid_post';
const dir = join(tmpdir(), `sse-attention-${process.pid}`);
let app: OpenedPage;

beforeAll(async () => {
  app = await openPage(`${inject('baseUrl')}/`, { prefix: '[attention]' });
  const { page } = app;
  await embeddedModelOn(page, 'wasm');
}, 300_000);

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

const openAttention = async (page: Page, query: string) => {
  await page.evaluate((h) => (window.location.hash = h), `#/attention?${query}`);
  await page.getByTestId('attention-page').waitFor({ timeout: 30_000 });
};

/** The scores row of (layer, head): each shown score's full-precision value, by column. */
async function shownScores(page: Page, layer: number, head: number): Promise<Record<string, number | null>> {
  const row = page.locator(`[data-testid="attention-scores-row"][data-layer="${layer}"][data-head="${head}"]`);
  const cells = await row.locator('td[data-score]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-score'), e.getAttribute('data-value')]));
  return Object.fromEntries(cells.map(([k, v]) => [k, v === '' ? null : Number(v)]));
}

describe('attention page', () => {
  it('is linked from the prompt panel with the lab’s prompt', async () => {
    const { page } = app;
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.getByTestId('prompt-input').fill('Call me Ishmael.');
    await page.getByTestId('attention-link').click();
    await page.getByTestId('attention-page').waitFor({ timeout: 30_000 });
    expect(decodeURIComponent(page.url().replace(/\+/g, ' '))).toContain('#/attention?prompt=Call me Ishmael.');
    expect(await page.getByTestId('attention-prompt').inputValue()).toBe('Call me Ishmael.');
    await expect.poll(() => page.getByTestId('attention-head-cell').count(), { timeout: 60_000 }).toBe(L * H);
  });

  it('shows n_layer × n_head patterns, n_layer · n_head score rows, and one head’s scores equal the library’s in-page', async () => {
    const { page } = app;
    await openAttention(page, new URLSearchParams({ prompt: PROMPT }).toString());
    await expect.poll(() => page.getByTestId('attention-head-cell').count(), { timeout: 60_000 }).toBe(L * H);
    const cells = await page.getByTestId('attention-head-cell').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-layer')}.${e.getAttribute('data-head')}`));
    expect(new Set(cells).size).toBe(L * H);
    expect(await page.getByTestId('attention-scores-row').count()).toBe(L * H);
    expect(await page.getByTestId('attention-prompt').inputValue()).toBe(PROMPT);
    // The prompt's markup is text: nothing of it became an element.
    expect(await page.locator('[data-testid="attention-page"] b').count()).toBe(0);

    const ref = await callInPage<{ ids: number[]; scores: HeadScores[] }>(page, CHECK, 'pageAttentionScores', PROMPT, null);
    for (const [layer, head] of [[1, 2], [3, 0]]) {
      const shown = await shownScores(page, layer, head);
      const want = ref.scores[layer * H + head];
      console.log(`[attention] head ${layer}.${head} shown ${JSON.stringify(shown)} in-page ${JSON.stringify(want)}`);
      expect(Object.keys(shown).sort()).toEqual(['bos', 'induction', 'prevToken']);
      for (const k of ['prevToken', 'induction', 'bos'] as const) {
        expect(want[k]).not.toBeNull();
        expect(Math.abs(shown[k]! - want[k]!)).toBeLessThan(1e-5);
      }
    }
    // Sorting by a score orders the table by it.
    await page.getByTestId('attention-sort-prevToken').click();
    const sorted = await page.locator('[data-testid="attention-scores-row"] td[data-score="prevToken"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
    expect(sorted[0]).toBeCloseTo(Math.max(...ref.scores.map((s) => s.prevToken!)), 5);
    expect(app.errors).toEqual([]);
  });

  it('opens a head from the keyboard: a labelled heatmap and arcs for the chosen query, kept in the URL', async () => {
    const { page } = app;
    await openAttention(page, new URLSearchParams({ prompt: PROMPT }).toString());
    await expect.poll(() => page.getByTestId('attention-head-cell').count(), { timeout: 60_000 }).toBe(L * H);
    const tok = loadGpt2FromDir(TINY_DIR).tokenizer;
    const labels = [8191, ...tok.encode(PROMPT)].map((id) => tokenLabel(tok.tokenText(id)));
    const T = labels.length;
    await page.locator('[data-testid="attention-head-cell"][data-layer="2"][data-head="1"]').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('attention-heatmap').waitFor({ timeout: 10_000 });
    expect(page.url()).toContain('head=2.1');
    expect(Number(await page.getByTestId('attention-heatmap').getAttribute('data-t'))).toBe(T);
    // Token labels are SVG text, keys along the top then queries down the side: the prompt's markup shows as characters.
    expect(await page.getByTestId('attention-heatmap').locator('text').allTextContents()).toEqual([...labels, ...labels]);
    // The last query's arcs: every drawn weight is in (0, 1] and they sum to at most 1.
    const arcs = async () => page.getByTestId('attention-arc').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    const last = await arcs();
    expect(last.length).toBeGreaterThan(0);
    expect(last.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-5);
    await page.getByTestId('attention-query').selectOption('3');
    await expect.poll(() => page.url()).toContain('q=3');
    const keys = await page.getByTestId('attention-arc').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-key'))));
    expect(Math.max(...keys)).toBeLessThanOrEqual(3); // causal: query 3 attends to keys 0…3 only
    expect(app.errors).toEqual([]);
  });

  it('runs the repeated-random-tokens induction test from the toggle', async () => {
    const { page } = app;
    await openAttention(page, new URLSearchParams({ prompt: PROMPT }).toString());
    await page.getByTestId('attention-repeat').check();
    await expect.poll(() => page.url()).toContain('repeat=20');
    await page.getByTestId('attention-sort-repeated').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('attention-head-cell').count()).toBe(L * H);
    const ref = await callInPage<{ repeated: number[] }>(page, CHECK, 'pageAttentionScores', '', { length: 20, seed: 1 });
    const shown = await shownScores(page, 0, 3);
    console.log(`[attention] repeated-tokens induction, head 0.3: shown ${shown.repeated} in-page ${ref.repeated[3]}`);
    expect(Math.abs(shown.repeated! - ref.repeated[3])).toBeLessThan(1e-5);
    expect(app.errors).toEqual([]);
  });
});

describe('heads that write a feature', () => {
  it('on a feature page of an SAE on resid_post, equal a plain-loop recomputation over the top examples', async () => {
    const { page } = app;
    mkdirSync(dir, { recursive: true });
    const text = readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').slice(0, 3000);
    writeFileSync(join(dir, 'moby.txt'), text);
    const cfg: SaeConfig = { architecture: 'topk', d_in: 256, d_sae: 512, k: 16, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: HOOK, model_name: 'tiny-gpt2', context_size: 64, prepend_bos: true };
    const files = saveSaeLens(cfg, initSae(cfg, 3));
    writeFileSync(join(dir, 'cfg.json'), files['cfg.json']);
    writeFileSync(join(dir, 'sae_weights.safetensors'), files['sae_weights.safetensors']);

    await page.evaluate(() => (window.location.hash = '#/'));
    await page.getByTestId('corpus-input').setInputFiles([join(dir, 'moby.txt')]);
    await page.getByTestId(`hook-${HOOK}`).check();
    await page.getByTestId('context-length').fill('64');
    await page.getByTestId('start-harvest').click();
    await page.locator('[data-testid="run-row"][data-status="done"]').waitFor({ timeout: 180_000 });
    await page.getByTestId('sae-files').setInputFiles([join(dir, 'cfg.json'), join(dir, 'sae_weights.safetensors')]);
    await page.getByTestId('sae-row').waitFor({ timeout: 30_000 });
    await page.getByTestId('stats-device').selectOption('cpu');
    await page.getByTestId('compute-stats').click();
    await page.getByTestId('sae-stats').waitFor({ timeout: 300_000 });

    const { saeId, runId, feature } = await callInPage<{ saeId: string; runId: string; feature: number }>(page, CHECK, 'liveFeature');
    await page.evaluate((h) => (window.location.hash = h), `#/sae/${encodeURIComponent(saeId)}/feature/${feature}`);
    await page.getByTestId('top-example').first().waitFor({ timeout: 60_000 });
    const rows = await page.getByTestId('top-example').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-row'))));
    await page.getByTestId('feature-head-writes').click();
    await expect.poll(() => page.getByTestId('head-write-cell').count(), { timeout: 120_000 }).toBe(3 * H); // layers 0…2 feed resid_post of 2
    const shown = await page.getByTestId('head-write-cell').evaluateAll((els) => els.map((e) => ({ l: Number(e.getAttribute('data-layer')), h: Number(e.getAttribute('data-head')), v: Number(e.getAttribute('data-value')) })));
    const want = await callInPage<number[]>(page, CHECK, 'pageHeadWrites', saeId, runId, feature, rows, 2);
    const scale = Math.max(...want.map(Math.abs));
    let worst = 0;
    for (const s of shown) worst = Math.max(worst, Math.abs(s.v - want[s.l * H + s.h]));
    console.log(`[attention] head writes of feature ${feature} over ${rows.length} examples: max |Δ| ${worst.toExponential(2)} (scale ${scale.toExponential(2)})`);
    expect(worst).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-6));
    const top = await page.getByTestId('head-write-top').evaluateAll((els) => els.map((e) => Math.abs(Number(e.getAttribute('data-value')))));
    expect(top).toHaveLength(5);
    expect(top[0]).toBeCloseTo(scale, 5);
    expect(app.errors).toEqual([]);
  });
});
