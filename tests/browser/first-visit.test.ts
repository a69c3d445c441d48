// The first five minutes, from a fresh profile: the model loads with nothing clicked (on wasm, with a note, on a
// software adapter; WebGPU when chosen, and the choice is remembered), the guided run goes from the sample corpus
// to a feature page with a steering link, a reload in the middle of it resumes, and a reload on a feature page
// shows it with token search working without visiting the lab first.
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { type OpenedPage, closeChromium, launchChromium, openPage } from './chromium';
import { seriousViolations } from './axe';
import { modelReady } from './lab';

const LONG = 900_000;
let app: OpenedPage | null = null;

afterEach(async () => {
  await app?.close();
  app = null;
});
afterAll(closeChromium);

const stepStates = (a: OpenedPage) => a.page.getByTestId('quick-start-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-state')}`));

describe('first visit', () => {
  it('loads the embedded model with no click, on wasm with a note on a software adapter; WebGPU when chosen, remembered after a reload', async () => {
    app = await openPage(`${inject('baseUrl')}/`);
    const { page } = app;
    await modelReady(page, { id: 'tiny-gpt2', backend: 'wasm' });
    expect(await page.getByTestId('backend-auto-note').textContent()).toMatch(/software renderer \(google \/ swiftshader\).*wasm.*Choose WebGPU/);
    expect(await page.getByTestId('prediction-row').count()).toBe(10); // the first prompt ran too
    await page.getByTestId('backend-select').selectOption('webgpu');
    await page.getByTestId('load-model').click();
    await modelReady(page, { id: 'tiny-gpt2', backend: 'webgpu' });
    await expect.poll(() => page.getByTestId('prediction-row').count(), { timeout: 60_000 }).toBe(10); // the switch runs, not just loads
    await page.reload();
    await modelReady(page, { id: 'tiny-gpt2', backend: 'webgpu' });
    expect(await page.getByTestId('backend-auto-note').count()).toBe(0);
    expect(await page.getByTestId('backend-select').inputValue()).toBe('webgpu');
    expect(app.errors).toEqual([]);
  });

  it('without WebGPU: loads on wasm by itself and says why', async () => {
    const browser = await launchChromium([], { webgpu: false });
    try {
      const a = await openPage(`${inject('baseUrl')}/`, { browser, prefix: '[no-webgpu]' });
      await modelReady(a.page, { id: 'tiny-gpt2', backend: 'wasm' });
      expect(await a.page.getByTestId('backend-auto-note').textContent()).toMatch(/WebGPU is not available here/);
      await a.close();
    } finally {
      await browser.close();
    }
  });

  it('the guided run can be cancelled at any step, saying where, and starts again cleanly', async () => {
    app = await openPage(`${inject('baseUrl')}/`);
    const { page } = app;
    await modelReady(page);
    await page.getByTestId('quick-start').click();
    await page.locator('[data-testid="quick-start-step"][data-step="harvest"][data-state="running"]').waitFor({ timeout: LONG });
    await page.getByTestId('quick-start-cancel').click();
    await expect.poll(() => page.getByTestId('quick-start-error').textContent(), { timeout: LONG }).toMatch(/^Cancelled at “Harvest activations”/);
    expect(await stepStates(app)).toEqual(['model:done', 'harvest:error', 'train:pending', 'stats:pending', 'open:pending']);
    // Nothing resumes after a reload: a cancelled run is over.
    await page.reload();
    await modelReady(page);
    expect(await stepStates(app)).toEqual(['model:pending', 'harvest:pending', 'train:pending', 'stats:pending', 'open:pending']);
    expect(await page.getByTestId('quick-start').isEnabled()).toBe(true);
    expect(app.errors).toEqual([]);
  });

  it('the guided run, reloaded mid-harvest, resumes and ends on a feature page with a steering link; that page survives a reload', async () => {
    app = await openPage(`${inject('baseUrl')}/`);
    const { page } = app;
    await modelReady(page);
    expect(await page.getByTestId('quick-start-plan').textContent()).toMatch(/about .* and [\d.]+ MB of storage/);
    expect(await stepStates(app)).toEqual(['model:pending', 'harvest:pending', 'train:pending', 'stats:pending', 'open:pending']);
    await page.getByTestId('quick-start').click();
    // Reload once the harvest has committed something: the run must go on from there, not start again.
    await page.locator('[data-testid="quick-start-step"][data-step="harvest"][data-state="running"] [data-testid="quick-start-detail"]').filter({ hasText: /^[1-9][\d,]* of/ }).waitFor({ timeout: LONG });
    await page.reload();
    await modelReady(page);
    await page.locator('[data-testid="quick-start-step"][data-step="model"][data-state="done"]').waitFor({ timeout: LONG });
    await page.getByTestId('feature-page').waitFor({ timeout: LONG });
    expect(await stepStates(app)).toEqual(['model:done', 'harvest:done', 'train:done', 'stats:done', 'open:done']);
    expect(page.url()).toMatch(/#\/sae\/[^/]+\/feature\/\d+$/);
    expect(await page.getByTestId('steer-link').getAttribute('href')).toMatch(/^#\/sae\/.+\/steer\?/);
    // Accessibility (axe-core): no serious or critical violation on the feature page, steering, attribution, the lab.
    await page.getByTestId('top-example').first().waitFor({ timeout: 60_000 });
    expect(await seriousViolations(page)).toEqual([]);
    const featureHash = new URL(page.url()).hash;
    await page.getByTestId('steer-link').click();
    await page.getByTestId('steer-page').waitFor({ timeout: 60_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await page.evaluate((h) => (window.location.hash = h.replace(/\/feature\/\d+$/, '/attribute?prompt=Call%20me%20Ishmael')), featureHash);
    await page.getByTestId('attr-run').click();
    await page.getByTestId('attr-logit').waitFor({ timeout: 120_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await page.evaluate(() => (window.location.hash = '#/'));
    expect(await seriousViolations(page)).toEqual([]);
    await page.evaluate((h) => (window.location.hash = h), featureHash);
    await page.getByTestId('feature-page').waitFor({ timeout: 60_000 });
    // One quick-start run, harvested to the end (resumed, not started twice).
    await page.goto(`${inject('baseUrl')}/#/workspace`);
    await page.getByTestId('workspace').waitFor();
    await expect.poll(() => page.locator('[data-testid="workspace-item"][data-kind="run"]').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.locator('[data-testid="workspace-item"][data-kind="sae"]').count()).toBe(1);
    expect(await page.getByTestId('workspace-storage').textContent()).toMatch(/used of/);

    // A reload on a feature page: the page loads the model it needs and shows the feature; token search works.
    await page.goBack();
    const featureUrl = page.url();
    expect(featureUrl).toMatch(/feature\/\d+$/);
    await page.reload();
    await page.getByTestId('feature-page').waitFor({ timeout: LONG });
    await page.goto(featureUrl.replace(/\/feature\/\d+$/, ''));
    await page.reload();
    await page.getByTestId('feature-search').fill('the');
    await page.getByTestId('feature-search-go').click();
    await expect.poll(async () => (await page.getByTestId('search-count').textContent()) ?? '', { timeout: 120_000 }).toMatch(/^[1-9]\d* matching/);
    expect(app.errors).toEqual([]);
  });
});
