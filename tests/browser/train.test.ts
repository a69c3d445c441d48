// Training an SAE from the page on a freshly harvested run: live stats and charts, stop, and SAELens
// files that load back (cfg.json names the hook; weights have SAELens' names and shapes).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSaeLens } from '../../src/sae/saelens';
import { TINY_DIR } from '../helpers/checkpoints';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn, modelReady } from './lab';
import { armQuotaWhenInForce } from './quota';

let app: OpenedPage;
let hub: HubServer | null = null;
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

/** What the training form shows for these fields. */
async function formOf(page: Page, keys: string[]): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await page.getByTestId(`train-${k}`).inputValue()])));
}

const stepShown = async (page: Page) => Number((await page.getByTestId('train-status').textContent().catch(() => ''))?.match(/step (\d+)/)?.[1] ?? 0);

/** Pauses the training and waits until the worker holds it; the steps done then. */
async function pauseHeld(page: Page): Promise<number> {
  await page.getByTestId('train-pause').click();
  const held = page.getByTestId('train-held');
  await held.waitFor({ timeout: 60_000 });
  return Number(await held.getAttribute('data-step'));
}

type StoredTraining = { id: string; step: number; done: boolean; trainedMs?: number };
const storedTrainings = (page: Page) => callInPage<StoredTraining[]>(page, '/tests/browser/pages/store-check.ts', 'trainings');

beforeAll(async () => {
  app = await openPage(`${inject('baseUrl')}/`);
  await harvestSmallRun(app.page);
});

afterAll(async () => {
  await app?.close();
  await closeChromium();
  await hub?.close();
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
    expect(summary).toMatch(/Trained topk d_sae 1024 \(k 8\) on blocks\.2\.hook_resid_post: 120 steps, 15,360 tokens in [\d.]+ s on the CPU twin/);
    expect(summary).not.toMatch(/Resumed/);
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

  it('a training resumed after a reload reports the figures of an uninterrupted one, and the form shows its settings', async () => {
    const { page } = app;
    const settings = { expansion: '2', k: '8', steps: '200', batchSize: '64', lr: '0.003', seed: '7', checkpointEvery: '20' };
    await page.getByTestId('train-architecture').selectOption('topk');
    await setTrain(page, settings);
    await page.getByTestId('train-device').selectOption('cpu');
    await page.getByTestId('train-start').click();
    await expect.poll(() => stepShown(page), { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(25);
    // Held by the worker, so the reload lands part-way whatever the machine's speed.
    const heldAt = await pauseHeld(page);
    expect(heldAt).toBeLessThan(200);
    const checkpoint = Math.floor(heldAt / 20) * 20; // the checkpoint at a multiple of 20 is written before the next step
    await page.reload();
    await modelReady(page); // loaded on open: the eval at the end can run
    const row = page.getByTestId('training-row').first();
    await row.waitFor({ timeout: 60_000 });
    expect(await row.textContent()).toMatch(new RegExp(`step ${checkpoint} of 200`));
    expect(await page.getByTestId('train-steps').inputValue()).toBe('1000'); // the form's defaults after the reload
    await row.getByTestId('resume-training').click();
    // The form reopens with the checkpoint's settings: they are what the worker trains with.
    expect(await formOf(page, Object.keys(settings))).toEqual(settings);
    expect(await page.getByTestId('train-architecture').inputValue()).toBe('topk');
    expect(await page.getByTestId('train-hook').inputValue()).toBe('blocks.2.hook_resid_post');
    await expect.poll(() => stepShown(page), { timeout: 120_000, interval: 50 }).toBeGreaterThan(checkpoint);
    const status = (await page.getByTestId('train-status').textContent())!;
    expect(status).toMatch(new RegExp(`/ 200 · .* [\\d]+ tok/s · ETA (\\d+ s|\\d+ min \\d+ s) · resumed at step ${checkpoint}`));
    await page.getByTestId('train-summary').waitFor({ timeout: 180_000 });
    // An uninterrupted training of 200 steps of 64 rows: 200 steps, 12,800 tokens (not the 200 − checkpoint of this session).
    const summary = page.getByTestId('train-summary');
    expect(await summary.getAttribute('data-steps')).toBe('200');
    expect(await summary.getAttribute('data-tokens')).toBe('12800');
    expect(await summary.textContent()).toMatch(
      new RegExp(`: 200 steps, 12,800 tokens in [\\d.]+ s on the CPU twin; final training FVU [\\d.]+\\. Resumed from the checkpoint at step ${checkpoint}: ${200 - checkpoint} steps in [\\d.]+ s in this session\\.$`),
    );
    // The model is loaded: the faithfulness eval ran, and nothing says it was skipped.
    await page.getByTestId('faithfulness').waitFor();
    expect(await page.getByTestId('train-evals-missing').count()).toBe(0);
    const stored = (await storedTrainings(page)).find((t) => t.step === 200)!;
    expect(stored.done).toBe(true);
    expect(stored.trainedMs).toBeGreaterThan(0); // the time of both sessions, carried by the checkpoint
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

  it('a full quota at a checkpoint says what did not fit, keeps the last checkpoint, and the training resumes from it', async () => {
    const { page } = app;
    await page.getByTestId('train-architecture').selectOption('topk');
    // d_sae 512: a checkpoint holds W_enc, W_dec and their Adam moments, about 3 MB, past the 1 MB left below.
    await setTrain(page, { expansion: '2', k: '8', steps: '100000', batchSize: '64', checkpointEvery: '20' });
    await page.getByTestId('train-device').selectOption('cpu');
    await page.getByTestId('train-start').click();
    await expect.poll(() => stepShown(page), { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(22);
    const heldAt = await pauseHeld(page); // nothing is written while held, so the quota can take hold
    const good = Math.floor(heldAt / 20) * 20;
    const lift = await armQuotaWhenInForce(page, 1_000_000);
    try {
      await page.getByTestId('train-pause').click(); // let it go on to its next checkpoint
      const error = page.getByTestId('train-error');
      await error.waitFor({ timeout: 120_000 });
      expect(await error.textContent()).toMatch(
        new RegExp(
          `^StoreQuotaError: the checkpoint of the training on blocks\\.2\\.hook_resid_post at step ${good + 20} \\([\\d.]+ MB\\) did not fit: the browser refused to store more data \\(storage quota exceeded\\)\\. ` +
            `The checkpoint at step ${good} is kept: resume the training from it in the list of interrupted trainings\\. Free space .+, then resume it\\.$`,
        ),
      );
      expect(await error.textContent()).not.toMatch(/QuotaExceededError/);
    } finally {
      await lift();
    }
    // The store still holds the last good checkpoint, and the list offers it.
    // (by its step: earlier tests of this file leave their own trainings in the list)
    const row = page.getByTestId('training-row').filter({ hasText: new RegExp(`step ${good} of 100000`) }).first();
    await row.waitFor({ timeout: 60_000 });
    const id = (await storedTrainings(page)).filter((t) => !t.done && t.step === good);
    expect(id.length).toBeGreaterThanOrEqual(1);
    await row.getByTestId('resume-training').click();
    await expect.poll(() => page.getByTestId('train-error').count()).toBe(0);
    await expect.poll(() => stepShown(page), { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(good + 3);
    await page.getByTestId('train-stop').click();
    await page.getByTestId('train-summary').waitFor({ timeout: 60_000 });
    const steps = Number(await page.getByTestId('train-summary').getAttribute('data-steps'));
    expect(steps).toBeGreaterThanOrEqual(good + 3);
    expect(await page.getByTestId('train-summary').getAttribute('data-tokens')).toBe(String(steps * 64));
    expect(await page.getByTestId('train-summary').textContent()).toMatch(new RegExp(`Resumed from the checkpoint at step ${good}: ${steps - good} steps`));
  });

  it('says why the faithfulness eval did not run, and runs it from the summary once the run’s model is loaded', async () => {
    const { page } = app;
    // The same weights under another id: a model that is not the run's (tiny-gpt2).
    hub = await startHubServer({ 'sse/tiny-gpt2': TINY_DIR });
    await page.getByTestId('source-hub').check();
    await page.getByTestId('hub-url').fill(hub.url);
    await page.getByTestId('hub-repo').fill('sse/tiny-gpt2');
    await page.getByTestId('load-model').click();
    await modelReady(page, { id: 'sse/tiny-gpt2' });
    await page.getByTestId('train-architecture').selectOption('topk');
    await setTrain(page, { expansion: '2', k: '8', steps: '30', batchSize: '64' });
    await page.getByTestId('train-device').selectOption('cpu');
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-summary').waitFor({ timeout: 120_000 });
    const skipped = page.getByTestId('train-evals-skipped');
    expect(await skipped.textContent()).toBe(
      'the faithfulness eval did not run: the training run holds activations of tiny-gpt2 and sse/tiny-gpt2 is loaded. Load tiny-gpt2, then run the faithfulness eval',
    );
    expect(await page.getByTestId('faithfulness').count()).toBe(0);
    // Asked for with the wrong model still loaded, it says it cannot run, and why.
    await page.getByTestId('train-run-evals').click();
    await expect.poll(() => skipped.textContent()).toMatch(/^LabError: the faithfulness eval cannot run: the training run holds activations of tiny-gpt2 and sse\/tiny-gpt2 is loaded/);
    await page.getByTestId('source-embedded').check();
    await page.getByTestId('load-model').click();
    await modelReady(page, { id: 'tiny-gpt2' });
    await page.getByTestId('train-run-evals').click();
    const faithfulness = page.getByTestId('faithfulness');
    await faithfulness.waitFor({ timeout: 120_000 });
    expect(Number(await faithfulness.getAttribute('data-ce-recovered'))).toBeGreaterThan(-10);
    expect(await faithfulness.textContent()).toMatch(/8 windows .* \(its training data, not held out\)$/);
    expect(await page.getByTestId('train-evals-missing').count()).toBe(0);
    expect(app.errors).toEqual([]);
  });
});
