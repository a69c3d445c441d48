// Feature dashboards from the page: harvest a small corpus (one document carries HTML and a script), train a
// TopK SAE, register it, run the statistics pass, browse and search features, open a feature page and check its
// top examples against an independent recomputation from the store; inspect text; nothing in the corpus ever runs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';

const dir = join(tmpdir(), `sse-features-${process.pid}`);
const XSS = 'Beware <img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script> and <b onmouseover="window.__xss=3">bold</b> whales.';
const CHECK = '/tests/browser/pages/features-check.ts';
// Characters byte-level BPE splits into byte tokens, RTL text, a right-to-left override and a word the tiny tokenizer
// splits ("script" = "sc" + "ript"): each page must show them as text, the override as a visible mark.
const UNICODE = 'A naïve café — 😀 👨‍👩‍👧 🇯🇵 你好，世界 שלום עולם say \u202Eevil\u202C now; the script and the javascript manuscript.';
/** UNICODE as the pages show it (src/model/token-text.ts: bidi controls as \uXXXX). */
const UNICODE_SHOWN = UNICODE.replace('\u202E', '\\u202E').replace('\u202C', '\\u202C');

let app: OpenedPage;
let registered: Promise<{ saeId: string; trainedFaithfulness: string | null }> | null = null;

/**
 * Registers the SAE trained in beforeAll and runs its statistics pass (GPU), once per file, for whichever test asks
 * first: every test needs the SAE and its statistics, and none relies on another test having run. Reads the training
 * summary's faithfulness line first, while the lab still shows that training (a reload forgets it).
 */
function registerTrainedSae(): Promise<{ saeId: string; trainedFaithfulness: string | null }> {
  registered ??= (async () => {
    const { page } = app;
    await page.evaluate(() => (window.location.hash = '#/'));
    const trained = page.getByTestId('train-panel').getByTestId('faithfulness');
    await trained.waitFor({ timeout: 60_000 });
    const trainedFaithfulness = await trained.textContent();
    await page.getByTestId('train-to-dashboards').click();
    await page.getByTestId('sae-row').waitFor({ timeout: 30_000 });
    const saeId = await callInPage<string>(page, CHECK, 'onlySaeId');
    await page.getByTestId('stats-device').selectOption('gpu');
    await page.getByTestId('compute-stats').click();
    await page.getByTestId('sae-stats').waitFor({ timeout: 300_000 });
    return { saeId, trainedFaithfulness };
  })();
  return registered;
}

/** The lab with the model loaded (a test that reloads the page unloads it). */
async function labWithModel(page: Page): Promise<void> {
  await page.evaluate(() => (window.location.hash = '#/'));
  await embeddedModelOn(page, 'wasm');
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').slice(0, 10_000);
  writeFileSync(join(dir, 'moby.txt'), text);
  writeFileSync(join(dir, 'xss.txt'), `${XSS}\n${XSS}\n`);
  writeFileSync(join(dir, 'unicode.txt'), `${UNICODE}\n`.repeat(6));
  app = await openPage(`${inject('baseUrl')}/`);
  const { page } = app;
  await embeddedModelOn(page, 'wasm');
  await page.getByTestId('corpus-input').setInputFiles([join(dir, 'moby.txt'), join(dir, 'xss.txt'), join(dir, 'unicode.txt')]);
  await page.getByTestId('context-length').fill('64');
  await page.getByTestId('start-harvest').click();
  await page.locator('[data-testid="run-row"][data-status="done"]').waitFor({ timeout: 180_000 });
  for (const [k, v] of Object.entries({ expansion: '2', k: '8', steps: '150', batchSize: '128', lr: '0.004' })) await page.getByTestId(`train-${k}`).fill(v);
  await page.getByTestId('train-device').selectOption('cpu');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-summary').waitFor({ timeout: 240_000 });
}, 600_000);

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('feature dashboards', () => {
  it('registers the trained SAE and runs the statistics pass with progress', async () => {
    const { page } = app;
    const { trainedFaithfulness } = await registerTrainedSae();
    // The training summary carries the SAE's faithfulness on its own run.
    expect(trainedFaithfulness).toMatch(/CE loss recovered -?[\d.]+ .* \(its training data, not held out\)/);
    await labWithModel(page); // evaluating runs the model
    // The trained SAE's row: the one with statistics (another test may have added a second, stat-less row).
    const row = page.getByTestId('sae-row').filter({ has: page.getByTestId('sae-stats') });
    expect(await row.getByTestId('sae-stats').textContent()).toMatch(/stats over [\d,]+ tokens \([\d.]+ s on the GPU\)/);
    await row.getByTestId('evaluate-sae').click();
    const evals = row.getByTestId('faithfulness');
    await evals.waitFor({ timeout: 120_000 });
    const recovered = Number(await evals.getAttribute('data-ce-recovered'));
    expect(Number.isFinite(recovered)).toBe(true);
    expect(recovered).toBeLessThanOrEqual(1.05); // a trained SAE sits between zero-ablation (0) and the model (1)
    expect(recovered).toBeGreaterThan(0);
  });

  it('browses, searches by token, and opens a feature page whose top examples are the run’s highest activations', async () => {
    const { page } = app;
    const { saeId } = await registerTrainedSae();
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.getByTestId('browse-features').click();
    await page.getByTestId('feature-row').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('browser-summary').textContent()).toMatch(/512 features over [\d,]+ tokens · \d+ dead/);
    expect(await page.getByTestId('chart-feature-density').textContent()).toMatch(/log10 feature density \([\d]+ tokens\) · \d+ never fired/);
    // Virtualised: far fewer rows in the DOM than features.
    expect(await page.getByTestId('feature-row').count()).toBeLessThan(60);

    if (process.env.SSE_SCREENSHOTS) await page.screenshot({ path: join(process.env.SSE_SCREENSHOTS, 'feature-browser.png') });
    await page.getByTestId('feature-search').fill('whale');
    await page.getByTestId('feature-search-go').click();
    await expect.poll(async () => (await page.getByTestId('search-count').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^[1-9]\d* matching/);
    const first = page.getByTestId('feature-row').first();
    const feature = Number(await first.getAttribute('data-feature'));
    await first.click();
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/sae/${saeId}/feature/${feature}`);
    await page.getByTestId('top-example').first().waitFor({ timeout: 120_000 });

    const strips = await page.getByTestId('top-example').evaluateAll((els) => els.map((e) => ({ row: Number(e.getAttribute('data-row')), act: Number(e.getAttribute('data-act')), text: e.textContent ?? '' })));
    expect(strips.some((s) => /whale/i.test(s.text))).toBe(true);
    const truth = await callInPage<{ max: number; count: number; top: { row: number; act: number }[]; rows: number }>(page, CHECK, 'recomputeFeature', saeId, feature, strips.length);
    expect(strips.length).toBe(Math.min(24, truth.count));
    expect(Math.abs(strips[0].act - truth.max)).toBeLessThanOrEqual(1e-4 * truth.max);
    expect(strips.map((s) => s.row)).toEqual(truth.top.map((t) => t.row));
    strips.forEach((s, i) => expect(Math.abs(s.act - truth.top[i].act)).toBeLessThanOrEqual(1e-4 * truth.max));
    expect(await page.getByTestId('feature-summary').textContent()).toContain(`fires on ${truth.count.toLocaleString('en-US')} of ${truth.rows.toLocaleString('en-US')} tokens`);
    expect(await page.getByTestId('chart-activations').locator('rect').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('logits-positive').locator('tr').count()).toBe(10);
    // The strip shades the example's own token by its activation.
    const center = page.getByTestId('top-example').first().locator('.tok.center');
    expect(Number(await center.getAttribute('data-act'))).toBeCloseTo(strips[0].act, 4);

    if (process.env.SSE_SCREENSHOTS) await page.screenshot({ path: join(process.env.SSE_SCREENSHOTS, 'feature-page.png'), fullPage: true });
    // The URL alone reopens the page (bookmark / share): a fresh load of the same address, no model loaded.
    await page.reload();
    await page.getByTestId('top-example').first().waitFor({ timeout: 120_000 });
    expect(Number(await page.getByTestId('top-example').first().getAttribute('data-row'))).toBe(strips[0].row);
  });

  it('inspects text per token and links each feature to its page', async () => {
    const { page } = app;
    const { saeId } = await registerTrainedSae();
    await labWithModel(page);
    await page.evaluate((id) => (window.location.hash = `#/sae/${id}/inspect`), saeId);
    await page.getByTestId('inspect-text').fill(XSS);
    await page.getByTestId('inspect-run').click();
    await page.getByTestId('inspect-token').first().waitFor({ timeout: 60_000 });
    const tokens = await page.getByTestId('inspect-token').locator('.tok').allTextContents();
    expect(tokens.join('')).toBe(XSS);
    const link = page.getByTestId('inspect-feature').first();
    const f = await link.getAttribute('data-feature');
    await link.click();
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/sae/${saeId}/feature/${f}`);
  });

  it('shows tokens as text: split characters whole, no "�", bidi controls as marks, split words found across tokens', async () => {
    const { page } = app;
    const { saeId } = await registerTrainedSae();
    await labWithModel(page);
    // What the page shows (the edit boxes hold the text as typed: a form control is its own isolated box).
    const noReplacement = async () => {
      const text = await page.evaluate(() =>
        [...document.querySelectorAll('main')]
          .map((m) => {
            const shown = m.cloneNode(true) as HTMLElement;
            shown.querySelectorAll('textarea, input').forEach((e) => e.remove());
            return shown.textContent;
          })
          .join('\n'),
      );
      expect(text).not.toContain('\uFFFD');
      expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/); // no live bidi control anywhere on the page
    };
    // The prompt panel: the token strip reads as the prompt (· for spaces), characters split over tokens joined.
    await page.getByTestId('prompt-input').fill(UNICODE);
    await page.getByTestId('run-prompt').click();
    await expect.poll(async () => (await page.getByTestId('token').allTextContents()).join(''), { timeout: 60_000 }).toBe(`<|endoftext|>${UNICODE_SHOWN.replace(/ /g, '·')}`);
    expect(await page.locator('[data-testid="token"].join-next').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('token').first().evaluate((e) => getComputedStyle(e).unicodeBidi)).toBe('isolate');
    await noReplacement();

    // Inspect: the same, per token with its features.
    await page.evaluate((id) => (window.location.hash = `#/sae/${id}/inspect`), saeId);
    await page.getByTestId('inspect-text').fill(UNICODE);
    await page.getByTestId('inspect-run').click();
    // (polled: the page may still show another test's inspection until this one returns)
    await expect.poll(async () => (await page.getByTestId('inspect-token').locator('.tok').allTextContents()).join(''), { timeout: 60_000 }).toBe(UNICODE_SHOWN);
    expect(await page.locator('[data-testid="inspect-token"].join-next').count()).toBeGreaterThan(0);
    await noReplacement();

    // Attribution rebuilds its prompt line from the tokens: it reads as the prompt.
    await page.evaluate(([id, q]) => (window.location.hash = `#/sae/${encodeURIComponent(id)}/attribute?${new URLSearchParams({ prompt: q })}`), [saeId, UNICODE] as const);
    await page.getByTestId('attr-logit').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('attr-prompt-line').textContent()).toBe(UNICODE_SHOWN);
    await noReplacement();

    // A feature page whose top examples come from that document, and the browser's top-token column.
    const hit = await callInPage<{ feature: number; row: number } | null>(page, CHECK, 'featureWithTopRowFrom', saeId, 'unicode.txt');
    expect(hit).not.toBeNull();
    await page.evaluate(([id, f]) => (window.location.hash = `#/sae/${id}/feature/${f}`), [saeId, hit!.feature] as const);
    await page.locator(`[data-testid="top-example"][data-row="${hit!.row}"]`).waitFor({ timeout: 120_000 });
    await noReplacement();
    await page.evaluate((id) => (window.location.hash = `#/sae/${id}`), saeId);
    await page.getByTestId('feature-row').first().waitFor({ timeout: 60_000 });
    await noReplacement();

    // A word the tokenizer splits is found across tokens (neighbours read from the stored rows, as the windows
    // have them), and the count says so.
    const neighbours = await callInPage<{ checked: number; mismatches: number[] }>(page, CHECK, 'neighbourMismatches', saeId, 300, 5);
    expect(neighbours.checked).toBeGreaterThan(100);
    expect(neighbours.mismatches).toEqual([]);
    await page.getByTestId('feature-search').fill('script');
    await page.getByTestId('feature-search-go').click();
    await expect.poll(async () => (await page.getByTestId('search-count').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^[1-9]\d* matching .*across tokens '.+'\+'.+'/);
  });

  it('renders corpus HTML and scripts as text: nothing runs, no element is injected', async () => {
    const { page } = app;
    const { saeId } = await registerTrainedSae();
    // A feature page whose top examples show the XSS document's tokens.
    const hit = await callInPage<{ feature: number; row: number } | null>(page, CHECK, 'featureWithTopRowFrom', saeId, 'xss.txt');
    expect(hit).not.toBeNull();
    await page.evaluate(([id, f]) => (window.location.hash = `#/sae/${id}/feature/${f}`), [saeId, hit!.feature] as const);
    const strip = page.locator(`[data-testid="top-example"][data-row="${hit!.row}"]`);
    await strip.waitFor({ timeout: 120_000 });
    expect((await strip.textContent()) ?? '').toMatch(/<|img|script|onerror|onmouseover/);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('main img, main script, main b').count()).toBe(0);
    expect(app.errors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
  });

  it('steers from a feature page: moving the slider changes the steered text and leaves the clean one', async () => {
    const { page } = app;
    const { saeId } = await registerTrainedSae();
    await labWithModel(page); // steering runs the model
    const hit = await callInPage<{ feature: number } | null>(page, CHECK, 'featureWithTopRowFrom', saeId, 'moby.txt');
    await page.evaluate(([id, f]) => (window.location.hash = `#/sae/${id}/feature/${f}`), [saeId, hit!.feature] as const);
    await page.getByTestId('steer-link').click();
    await page.getByTestId('steer-page').waitFor({ timeout: 30_000 });
    await page.getByTestId('steer-temperature').fill('0');
    const done = (id: string) => page.locator(`[data-testid="${id}"][data-done="true"]`);
    await done('clean-text').waitFor({ timeout: 120_000 });
    await done('steered-text').waitFor({ timeout: 120_000 });
    const clean = await page.getByTestId('clean-text').textContent();
    const before = await page.getByTestId('steered-text').textContent();
    // The page's address is the preset.
    expect(decodeURIComponent(await page.evaluate(() => window.location.hash))).toContain(`f=${hit!.feature}:add:4`);
    await page.getByTestId('steer-slider').focus();
    await page.keyboard.press('End'); // +10 × max activation
    await expect.poll(async () => (await done('steered-text').count()) > 0 && (await page.getByTestId('steered-text').textContent()) !== before, { timeout: 120_000 }).toBe(true);
    expect(await page.getByTestId('steered-text').textContent()).not.toBe(clean);
    expect(await page.getByTestId('clean-text').textContent()).toBe(clean);
    expect(decodeURIComponent(await page.evaluate(() => window.location.hash))).toContain(`f=${hit!.feature}:add:10`);
    // Another feature's page offers to join this steering: two sliders then.
    const other = hit!.feature === 0 ? 1 : 0;
    await page.evaluate(([id, f]) => (window.location.hash = `#/sae/${id}/feature/${f}`), [saeId, other] as const);
    await page.getByTestId('steer-add-link').click();
    await expect.poll(() => page.getByTestId('steer-feature').count(), { timeout: 30_000 }).toBe(2);
  });

  it('loads the same SAE from its SAELens files and lists it beside the trained one', async () => {
    const { page } = app;
    const { saeId } = await registerTrainedSae();
    await page.evaluate(() => (window.location.hash = '#/'));
    const before = await page.getByTestId('sae-row').count(); // 1: the trained SAE
    expect(before).toBeGreaterThan(0);
    const files = await callInPage<{ cfg: string; weights: string }>(page, CHECK, 'saeLensFilesOf', saeId);
    const saeDir = join(dir, 'my-sae');
    mkdirSync(saeDir, { recursive: true });
    writeFileSync(join(saeDir, 'cfg.json'), files.cfg);
    writeFileSync(join(saeDir, 'sae_weights.safetensors'), Buffer.from(files.weights, 'base64'));
    await page.getByTestId('sae-files').setInputFiles([join(saeDir, 'cfg.json'), join(saeDir, 'sae_weights.safetensors')]);
    await expect.poll(() => page.getByTestId('sae-row').count(), { timeout: 30_000 }).toBe(before + 1);
    expect(await page.getByTestId('saes-panel').textContent()).toMatch(/topk k 8 · blocks\.2\.hook_resid_post · d_sae 512.*topk k 8 · blocks\.2\.hook_resid_post · d_sae 512/);
  });
});
