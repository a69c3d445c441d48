// The first screen as a user drives it in Chromium: load the embedded model on WebGPU, run a prompt,
// read tokens and next-token probabilities (checked against the CPU reference), load from a Hub-layout
// server with caching, see clear errors that leave the loaded model working, and the wasm fallback notice.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { TINY_DIR, readCheckpoint, reference } from '../helpers/checkpoints';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { type OpenedPage, closeChromium, launchChromium, openPage } from './chromium';
import { modelReady } from './lab';

let hub: HubServer;
let app: OpenedPage;
const LOAD_TIMEOUT = 180_000;

async function waitForModel(page: Page, id: string): Promise<void> {
  await page.getByTestId('model-info').filter({ hasText: id }).waitFor({ timeout: LOAD_TIMEOUT });
  await page.getByTestId('load-model').filter({ hasText: 'Load model' }).waitFor({ timeout: LOAD_TIMEOUT });
}

function softmaxTop(logits: Float32Array): { id: number; prob: number } {
  let max = -Infinity;
  let arg = 0;
  logits.forEach((v, i) => {
    if (v > max) [max, arg] = [v, i];
  });
  const z = logits.reduce((a, v) => a + Math.exp(v - max), 0);
  return { id: arg, prob: 1 / z };
}

/** Loads sse/tiny-gpt2 from the Hub-layout server (Cache Storage first, if it holds the files). */
async function loadFromHub(page: Page): Promise<void> {
  await page.getByTestId('source-hub').check();
  await page.getByTestId('hub-url').fill(hub.url);
  await page.getByTestId('hub-repo').fill('sse/tiny-gpt2');
  await page.getByTestId('load-model').click();
}

const weightsUrl = '/sse/tiny-gpt2/resolve/main/model.safetensors';
const weightRequests = () => hub.requests.filter((r) => r === weightsUrl).length;

beforeAll(async () => {
  hub = await startHubServer({ 'sse/tiny-gpt2': TINY_DIR });
});

afterAll(async () => {
  await closeChromium();
  await hub?.close();
});

describe('first screen', () => {
  // Each test gets its own context (own Cache Storage, console errors, form state): none relies on what another loaded.
  beforeEach(async () => {
    app = await openPage(`${inject('baseUrl')}/`);
  });
  afterEach(async () => {
    await app?.close();
    hub.faults.clear();
  });

  it('shows WebGPU status, loads the embedded model on WebGPU and predicts the next token', async () => {
    const { page } = app;
    await expect.poll(() => page.getByTestId('webgpu-status').textContent(), { timeout: 30_000 }).toContain('WebGPU available');
    await modelReady(page, { backend: 'wasm' }); // loaded on open, on wasm: this adapter is a software renderer
    await page.getByTestId('backend-select').selectOption('webgpu');
    await page.getByTestId('load-model').click();
    await modelReady(page, { id: 'tiny-gpt2', backend: 'webgpu' });
    expect(await page.getByTestId('model-backend').textContent()).toBe('webgpu');
    expect(await page.getByTestId('webgpu-status').textContent()).toContain('model on webgpu');
    expect(await page.getByTestId('adapter-hint').textContent()).toMatch(/software renderer \(google \/ swiftshader\)/);

    const prompt = 'It is not down in any map; true places never are';
    await page.getByTestId('prompt-input').fill(prompt);
    await page.getByTestId('run-prompt').click();
    const tok = loadGpt2FromDir(TINY_DIR).tokenizer;
    const ids = [8191, ...tok.encode(prompt)];
    await expect.poll(() => page.getByTestId('token').count(), { timeout: 60_000 }).toBe(ids.length);
    expect(await page.getByTestId('token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))))).toEqual(ids);

    const ref = reference(readCheckpoint(TINY_DIR), ids);
    const V = 8192;
    const top = softmaxTop(ref.logits.subarray((ids.length - 1) * V));
    const firstRow = page.getByTestId('prediction-row').first();
    expect(await firstRow.locator('.tok').textContent()).toBe(tok.tokenText(top.id).replace(/ /g, '·').replace(/\n/g, '↵'));
    expect(await firstRow.getByTestId('prediction-prob').textContent()).toBe(`${(top.prob * 100).toFixed(2)}%`);
    expect(await page.getByTestId('prediction-row').count()).toBe(10);
    expect(app.errors).toEqual([]);
  });

  it('loads from a Hub-layout server with progress, then from the cache without downloading again', async () => {
    const { page } = app;
    const before = weightRequests(); // the hub server is shared by the file's tests
    await loadFromHub(page);
    await page.getByTestId('load-progress').waitFor({ timeout: 30_000 });
    await waitForModel(page, 'sse/tiny-gpt2');
    expect(weightRequests()).toBe(before + 1);

    // After a reload the lab loads the model used last by itself, from Cache Storage.
    await page.reload();
    await modelReady(page, { id: 'sse/tiny-gpt2' });
    expect(await page.getByTestId('hub-repo').inputValue()).toBe('sse/tiny-gpt2');
    expect(weightRequests()).toBe(before + 1); // served from Cache Storage
  });

  it('names the problem on a 404 or a truncated file, and the loaded model keeps working', async () => {
    const { page } = app;
    await loadFromHub(page);
    await waitForModel(page, 'sse/tiny-gpt2');
    await page.getByTestId('hub-repo').fill('nobody/missing-model');
    await page.getByTestId('load-model').click();
    await expect.poll(() => page.getByTestId('load-error').textContent(), { timeout: 30_000 }).toMatch(/config.json: not found \(HTTP 404\)/);
    expect(await page.getByTestId('model-info').textContent()).toContain('sse/tiny-gpt2');

    await page.evaluate(() => caches.delete('sse-models-v1'));
    hub.faults.set('sse/tiny-gpt2/model.safetensors', { fault: 'truncate:4000000', times: 1 });
    await page.getByTestId('hub-repo').fill('sse/tiny-gpt2');
    await page.getByTestId('load-model').click();
    await expect.poll(() => page.getByTestId('load-error').textContent(), { timeout: 60_000 }).toMatch(/model.safetensors.*(truncated|broke off)/);

    await page.getByTestId('prompt-input').fill('The whale');
    await page.getByTestId('run-prompt').click();
    await expect.poll(() => page.getByTestId('token').count(), { timeout: 60_000 }).toBe(3);
    expect(await page.getByTestId('prediction-row').count()).toBe(10);
  });
});

describe('without WebGPU', () => {
  it('says why and runs on wasm with a visible notice', async () => {
    const browser = await launchChromium([], { webgpu: false });
    try {
      const noGpu = await openPage(`${inject('baseUrl')}/`, { browser, prefix: '[no-webgpu]' });
      const { page } = noGpu;
      await expect.poll(() => page.getByTestId('webgpu-status').textContent(), { timeout: 30_000 }).toContain('WebGPU unavailable');
      expect(await page.getByTestId('webgpu-status').getAttribute('title')).toMatch(/navigator\.gpu|requestAdapter/);
      // Ask for WebGPU anyway: the load falls back to wasm and says why.
      await page.getByTestId('backend-select').selectOption('webgpu');
      await page.getByTestId('load-model').click();
      await waitForModel(page, 'tiny-gpt2');
      expect(await page.getByTestId('model-backend').textContent()).toBe('wasm');
      expect(await page.getByTestId('backend-notice').textContent()).toMatch(/Using wasm instead of WebGPU: .*(navigator\.gpu|requestAdapter)/);
      expect(await page.getByTestId('prediction-row').count()).toBe(10);
      await noGpu.close();
    } finally {
      await browser.close();
    }
  });
});
