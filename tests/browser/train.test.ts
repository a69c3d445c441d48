// Training an SAE from the page on a freshly harvested run: live stats and charts, stop, and SAELens
// files that load back (cfg.json names the hook; weights have SAELens' names and shapes).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSaeLens } from '../../src/sae/saelens';
import { type OpenedPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';

let app: OpenedPage;
const dir = join(tmpdir(), `sse-train-${process.pid}`);

async function harvestSmallRun(page: Page): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').slice(0, 12_000);
  writeFileSync(join(dir, 'moby.txt'), text);
  await embeddedModelOn(page, 'wasm');
  await page.getByTestId('corpus-input').setInputFiles([join(dir, 'moby.txt')]);
  await page.getByTestId('context-length').fill('64');
  await page.getByTestId('start-harvest').click();
  await page.locator('[data-testid="run-row"][data-status="done"]').waitFor({ timeout: 180_000 });
}

async function setTrain(page: Page, o: Record<string, string>): Promise<void> {
  for (const [k, v] of Object.entries(o)) await page.getByTestId(`train-${k}`).fill(v);
}

beforeAll(async () => {
  app = await openPage(`${inject('baseUrl')}/`);
  await harvestSmallRun(app.page);
});

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('SAE training from the page', () => {
  it('trains on the CPU (the fast CPU step in the worker) with live charts, and downloads SAELens files that load back', async () => {
    const { page } = app;
    expect(await page.getByTestId('train-hook').inputValue()).toBe('blocks.2.hook_resid_post');
    await page.getByTestId('train-architecture').selectOption('topk'); // the form keeps what another test chose
    await setTrain(page, { expansion: '4', k: '8', steps: '120', batchSize: '128', lr: '0.004' });
    await page.getByTestId('train-device').selectOption('cpu');
    await page.getByTestId('train-start').click();
    await page.getByTestId('chart-fvu').waitFor({ timeout: 60_000 });
    await page.getByTestId('train-summary').waitFor({ timeout: 180_000 });
    const summary = await page.getByTestId('train-summary').textContent();
    expect(summary).toMatch(/Trained topk d_sae 1024 \(k 8\) on blocks\.2\.hook_resid_post: 120 steps/);
    const fvu = Number(summary!.match(/final training FVU (\d+\.\d+)/)![1]);
    expect(await page.getByTestId('chart-density').textContent()).toMatch(/log10 feature density \(\d+ tokens\) · \d+ never fired/);
    expect(fvu).toBeLessThan(0.6); // falls from ~1 in 120 small steps

    const downloads: Record<string, Buffer> = {};
    page.on('download', async (d) => {
      downloads[d.suggestedFilename()] = readFileSync(await d.path());
    });
    await page.getByTestId('train-download').click();
    await expect.poll(() => Object.keys(downloads).sort(), { timeout: 30_000 }).toEqual(['cfg.json', 'sae_weights.safetensors']);
    const sae = loadSaeLens({ cfgJson: JSON.parse(downloads['cfg.json'].toString('utf8')), weights: new Uint8Array(downloads['sae_weights.safetensors']) });
    expect(sae.cfg).toMatchObject({ architecture: 'topk', d_in: 256, d_sae: 1024, k: 8, hook_name: 'blocks.2.hook_resid_post', model_name: 'tiny-gpt2', normalize_activations: 'none' });
    expect(sae.weights.W_enc.length).toBe(256 * 1024);
  });

  it('checkpoints to IndexedDB and resumes after a reload from the last checkpoint', async () => {
    const { page } = app;
    const stepShown = async () => Number((await page.getByTestId('train-status').textContent().catch(() => ''))?.match(/step (\d+)/)?.[1] ?? 0);
    await page.getByTestId('train-architecture').selectOption('topk');
    await setTrain(page, { expansion: '2', k: '8', steps: '100000', batchSize: '64', checkpointEvery: '20' });
    await page.getByTestId('train-device').selectOption('cpu');
    await page.getByTestId('train-start').click();
    await expect.poll(stepShown, { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(45);
    await page.reload();
    const row = page.getByTestId('training-row').first();
    await row.waitFor({ timeout: 60_000 });
    const saved = Number((await row.textContent())!.match(/step (\d+) of 100000/)![1]);
    expect(saved).toBeGreaterThanOrEqual(40);
    expect(saved % 20).toBe(0);
    await row.getByTestId('resume-training').click();
    await expect.poll(stepShown, { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(saved + 3);

    // Pause holds the training between steps (the step in flight finishes); resume goes on from there.
    await page.getByTestId('train-pause').click();
    await expect.poll(() => page.getByTestId('train-pause').textContent(), { timeout: 10_000 }).toBe('Resume');
    // The worker says when it holds the training (the step in flight done and reported): no waiting on the clock.
    const held = page.getByTestId('train-held');
    await held.waitFor({ timeout: 60_000 });
    const heldAt = Number(await held.getAttribute('data-step'));
    expect(await stepShown()).toBe(heldAt);
    // The worker answers other requests meanwhile (the workspace lists the trainings) and no step is taken.
    await page.evaluate(() => (window.location.hash = '#/workspace'));
    await page.locator('[data-testid="workspace-item"][data-kind="training"]').first().waitFor({ timeout: 60_000 });
    await page.evaluate(() => (window.location.hash = '#/train'));
    expect(await stepShown()).toBe(heldAt);
    expect(await page.getByTestId('train-status').textContent()).toMatch(/^paused at step/);
    await page.getByTestId('train-pause').click();
    await expect.poll(stepShown, { timeout: 60_000, interval: 50 }).toBeGreaterThan(heldAt);
    await page.getByTestId('train-stop').click();
    await page.getByTestId('train-summary').waitFor({ timeout: 60_000 });
    const steps = Number((await page.getByTestId('train-summary').textContent())!.match(/: (\d+) steps/)![1]);
    expect(steps).toBeGreaterThanOrEqual(saved + 3); // counted from the checkpoint, not from zero
  });

  it('trains with the WGSL kernels in the worker and stops on request', async () => {
    const { page } = app;
    await setTrain(page, { expansion: '2', k: '8', steps: '100000', batchSize: '32' });
    await page.getByTestId('train-architecture').selectOption('batchtopk');
    await page.getByTestId('train-device').selectOption('gpu');
    await page.getByTestId('train-start').click();
    await expect.poll(async () => Number((await page.getByTestId('train-status').textContent())?.match(/step (\d+)/)?.[1] ?? 0), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
    await page.getByTestId('train-stop').click();
    await page.getByTestId('train-summary').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('train-summary').textContent()).toMatch(/Trained batchtopk d_sae 512 \(k 8\).* on the GPU; final training FVU [\d.]+ \(stopped early\)/);
    // BatchTopK keeps k per token on average over the batch: L0 is what the batch kept, not k itself.
    expect(Number((await page.getByTestId('train-status').textContent())!.match(/L0 ([\d.]+)/)![1])).toBeGreaterThan(0);
    expect(app.errors).toEqual([]);
  });

  it('trains a ReLU + L1 (standard) SAE and charts its L0', async () => {
    const { page } = app;
    await page.getByTestId('train-architecture').selectOption('standard');
    await setTrain(page, { expansion: '2', l1Coefficient: '1', steps: '60', batchSize: '64' });
    await page.getByTestId('train-device').selectOption('cpu');
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-summary').waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('train-summary').textContent()).toMatch(/Trained standard d_sae 512 \(L1 λ 1\) on blocks\.2\.hook_resid_post: 60 steps/);
    expect(await page.getByTestId('chart-l0').count()).toBe(1);
    expect(Number((await page.getByTestId('train-status').textContent())!.match(/L0 ([\d.]+)/)![1])).toBeGreaterThan(0);
  });
});
