// The toy model of superposition page (#/toy) driven like a user: the pentagon at S = 0.97 read off the page's
// gap table and plot, an SAE on the hidden layer that recovers all five directions, the dense regime's two
// dedicated dimensions, and cancelling. Everything trains in the app's worker on SwiftShader WebGPU.
//   Measured here: 4000 toy steps on the GPU take ~6 s; the SAE step costs ~6 ms per row on SwiftShader (many
//   small dispatches), so the SAE is trained on the GPU with 200 steps of 16 rows at lr 1e-2 (its CPU twin gave
//   a smallest cosine of 0.985–0.9998 over 9 toy/SAE seed pairs at that budget).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type OpenedPage, closeChromium, openPage } from './chromium';
import { expectNoErrorsPerTest } from './page-errors';

let app: OpenedPage;

async function fill(page: Page, o: Record<string, string>): Promise<void> {
  for (const [k, v] of Object.entries(o)) await page.getByTestId(k).fill(v);
}

const values = async (page: Page, testId: string) => (await page.getByTestId(testId).evaluateAll((els) => els.map((e) => e.getAttribute('data-value')))).map(Number);
const summaryText = (page: Page) => page.getByTestId('toy-summary').textContent({ timeout: 1000 }).catch(() => '');

/** The toy page by its address, whatever page another test left (its options and trained model live in the app's store). */
async function openToy(page: Page): Promise<void> {
  await page.evaluate(() => (window.location.hash = '#/toy'));
  await page.getByTestId('toy-page').waitFor({ timeout: 30_000 });
}

const PENTAGON = { 'toy-n': '5', 'toy-m': '2', 'toy-sparsity': '0.97', 'toy-importanceDecay': '1', 'toy-steps': '4000', 'toy-seed': '1' };

beforeAll(async () => {
  app = await openPage(`${inject('baseUrl')}/`, { prefix: '[toy-page]' });
});

afterAll(async () => {
  await app?.close();
  await closeChromium();
});
expectNoErrorsPerTest(() => app);

describe('toy model of superposition page', () => {
  it('is linked from the lab', async () => {
    await app.page.getByTestId('toy-link').click();
    await app.page.getByTestId('toy-page').waitFor({ timeout: 30_000 });
    expect(app.page.url()).toMatch(/#\/toy$/);
  });

  it('S = 0.97, n = 5, m = 2: the learned directions form a regular pentagon (gaps within 5° of 72°)', async () => {
    const { page } = app;
    await openToy(page);
    await fill(page, PENTAGON);
    expect(await page.getByTestId('toy-feature-probability').textContent()).toMatch(/1 − S = 0\.030/);
    await page.getByTestId('toy-train').click();
    await expect.poll(() => summaryText(page), { timeout: 180_000, interval: 250 }).toMatch(/Trained 4000 steps/);
    console.log(`[toy-page] ${await summaryText(page)}`);
    const gaps = await values(page, 'toy-gap');
    const norms = await values(page, 'toy-norm');
    console.log(`[toy-page] gaps ${gaps.map((g) => g.toFixed(1))}° norms ${norms.map((v) => v.toFixed(3))}`);
    expect(gaps).toHaveLength(5);
    for (const g of gaps) expect(Math.abs(g - 72)).toBeLessThan(5);
    expect(norms).toHaveLength(5);
    for (const v of norms) expect(v).toBeGreaterThan(0.5);
    expect(await page.locator('[data-testid="toy-plot"] [data-testid="toy-direction"] line').count()).toBe(5);
    await page.getByTestId('toy-chart-loss').waitFor(); // snapshots streamed while training
    expect(await summaryText(page)).toMatch(/on the GPU \(WGSL\)/);
  });

  it('an SAE on the hidden layer, trained on the GPU, recovers all five directions (cosine ≥ 0.95)', async () => {
    const { page } = app;
    // Its own pentagon model to train the SAE on (the test above asserts on that model).
    await openToy(page);
    await fill(page, PENTAGON);
    await page.getByTestId('toy-train').click();
    await expect.poll(() => summaryText(page), { timeout: 180_000, interval: 250 }).toMatch(/Trained 4000 steps/);
    await fill(page, { 'toy-sae-dSae': '10', 'toy-sae-k': '1', 'toy-sae-steps': '200', 'toy-sae-batch': '16', 'toy-sae-lr': '0.01', 'toy-sae-seed': '5' });
    await page.getByTestId('toy-sae-device').selectOption('gpu');
    await page.getByTestId('toy-sae-train').click();
    await page.getByTestId('toy-sae-summary').waitFor({ timeout: 400_000 });
    const summary = await page.getByTestId('toy-sae-summary').textContent();
    const cos = await values(page, 'toy-sae-cos');
    console.log(`[toy-page] ${summary} cosines ${cos.map((c) => c.toFixed(4))}`);
    expect(summary).toMatch(/Trained 200 steps \(10 latents\) .* on the GPU \(WGSL\)/);
    expect(cos).toHaveLength(5);
    for (const c of cos) expect(c).toBeGreaterThanOrEqual(0.95);
    expect(await page.getByTestId('toy-sae-matches').textContent()).not.toContain('✗');
    expect(await page.locator('[data-testid="toy-plot"] [data-testid="toy-sae-direction"]').count()).toBe(10);
  });

  it('S = 0, importance 0.7ⁱ: only the two most important features are represented (phase change)', async () => {
    const { page } = app;
    await openToy(page);
    await page.getByTestId('toy-preset-0').click();
    expect(await page.getByTestId('toy-sparsity').inputValue()).toBe('0');
    await page.getByTestId('toy-train').click();
    await expect.poll(() => summaryText(page), { timeout: 180_000, interval: 250 }).toMatch(/Trained 2000 steps/);
    const norms = await values(page, 'toy-norm');
    console.log(`[toy-page] dense norms ${norms.map((v) => v.toFixed(3))}`);
    expect(norms.map((v) => v > 0.5)).toEqual([true, true, false, false, false]);
    const gaps = await values(page, 'toy-gap');
    // Two represented features, orthogonal: the gaps round the circle are 90° and 270°.
    expect(gaps).toHaveLength(2);
    expect(Math.abs(Math.min(...gaps) - 90)).toBeLessThan(5);
    expect(await page.getByTestId('toy-sae').count()).toBe(1); // a fresh model clears the previous SAE
    expect(await page.getByTestId('toy-sae-summary').count()).toBe(0);
  });

  it('cancels a long training, keeping what was trained', async () => {
    const { page } = app;
    await openToy(page);
    await fill(page, { 'toy-steps': '100000' });
    await page.getByTestId('toy-train').click();
    await page.getByTestId('toy-status').waitFor({ timeout: 60_000 });
    await page.getByTestId('toy-cancel').click();
    await expect.poll(() => summaryText(page), { timeout: 60_000, interval: 250 }).toMatch(/Cancelled after \d+ steps/);
    const done = Number((await summaryText(page))!.match(/after (\d+) steps/)![1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(100_000);
  });

  it('no console errors or page errors', () => {
    expect(app.errors).toEqual([]);
  });
});
