// The published GPT-2 SAEs one click away, as a user meets them in Chromium. A local Hub lookalike serves
// openai-community/gpt2 (GPT-2 small's shape, random weights, GPT-2's tokenizer) and jbloom's res-jb repo in its
// real layout (cfg.json as the repo has it, weights of the real shapes). The SAE loads through the catalogue
// picker with its release's settings; "Harvest for this SAE" carries them (center_writing_weights, hook, context)
// into the harvest; its feature pages link to Neuronpedia. Mismatches say why: an SAE for a 768-wide model beside the
// 256-wide tiny model is stored and marked with the model to load, and a run of centred activations is refused for an
// SAE that reads uncentred ones.
// Kissane's hook-z repo (a .pt state dict + _cfg.json at its real shapes) loads through the same picker.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { tlKwargs, SAELENS_DEFAULTS } from '../../src/core/tl-settings';
import { initSae } from '../../src/sae/sae';
import { saveSaeLens } from '../../src/sae/saelens';
import { catalogueEntry } from '../../src/sae/catalogue';
import { kkCfg, resJbCfg, writeKkFiles, writeSaeFolder } from '../helpers/catalogue-fixtures';
import { gpt2SmallDir } from '../helpers/gpt2-small-dir';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { type OpenedPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn, modelReady } from './lab';

const LONG = 300_000;
const TEXT = 'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.';
let hub: HubServer;
let app: OpenedPage;
let dir: string;
const KK0 = catalogueEntry('gpt2-small-hook-z-kk', 'blocks.0.hook_z');

async function loadModel(page: Page, repo: string | null): Promise<void> {
  await embeddedModelOn(page, 'wasm'); // the lab loads the embedded model by itself on open
  if (!repo) return;
  await page.getByTestId('source-hub').check();
  await page.getByTestId('hub-url').fill(hub.url);
  await page.getByTestId('hub-repo').fill(repo);
  await page.getByTestId('load-model').click();
  await modelReady(page, { id: repo }, LONG);
}

async function harvest(page: Page, corpus: string): Promise<void> {
  await page.getByTestId('corpus-input').setInputFiles(corpus);
  await page.getByTestId('rows-per-shard').fill('64');
  await page.getByTestId('start-harvest').click();
  await expect.poll(() => page.getByTestId('run-row').first().getAttribute('data-status'), { timeout: LONG }).toBe('done');
}

beforeAll(() => {
  dir = join(tmpdir(), `sse-catalogue-${process.pid}`);
  writeSaeFolder(join(dir, 'res-jb', 'blocks.2.hook_resid_pre'), resJbCfg(2), 768, 24576, 7);
  writeKkFiles(join(dir, 'kk'), KK0.path, kkCfg(0, 24576, 1.8, 1e-6), 768, 24576, 8);
  writeFileSync(join(dir, 'corpus.txt'), `${TEXT}\n\n${TEXT.toUpperCase()}\n`);
  hub = undefined as unknown as HubServer;
});

beforeEach(async () => {
  hub ??= await startHubServer({
    'openai-community/gpt2': gpt2SmallDir(),
    'jbloom/GPT2-Small-SAEs-Reformatted': join(dir, 'res-jb'),
    'ckkissane/attn-saes-gpt2-small-all-layers': join(dir, 'kk'),
  });
  app = await openPage(`${inject('baseUrl')}/`);
});

afterEach(async () => {
  await app?.close();
});

afterAll(async () => {
  await closeChromium();
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the GPT-2 SAE catalogue', () => {
  it('loads gpt2-small-res-jb through the picker with its settings, harvests for it, and links its features to Neuronpedia', async () => {
    const { page } = app;
    await loadModel(page, 'openai-community/gpt2');
    await page.getByTestId('catalogue-release').selectOption('gpt2-small-res-jb');
    await page.getByTestId('catalogue-sae').selectOption('blocks.2.hook_resid_pre');
    await page.getByTestId('catalogue-load').click();
    const row = page.getByTestId('sae-row').filter({ hasText: 'gpt2-small-res-jb' });
    await expect.poll(async () => ((await row.count()) > 0 ? 'listed' : await page.getByTestId('saes-error').textContent({ timeout: 100 }).catch(() => 'loading')), { timeout: LONG }).toBe('listed');
    expect(await row.getByTestId('sae-settings').textContent()).toContain('center_writing_weights=true'); // the yaml's override
    expect(hub.requests.some((r) => r.endsWith('/blocks.2.hook_resid_pre/sae_weights.safetensors'))).toBe(true);

    // One click sets the harvest to what the SAE reads.
    await row.getByTestId('harvest-for-sae').click();
    expect(await page.getByTestId('tl-center_writing_weights').isChecked()).toBe(true);
    expect(await page.getByTestId('tl-fold_ln').isChecked()).toBe(true);
    expect(await page.getByTestId('hook-blocks.2.hook_resid_pre').isChecked()).toBe(true);
    expect(await page.getByTestId('context-length').inputValue()).toBe('128');
    await harvest(page, join(dir, 'corpus.txt'));
    expect(await page.getByTestId('run-row').first().getByTestId('run-settings').textContent()).toContain('center_writing_weights=true');

    // Statistics over that run, then a feature page with the same feature on Neuronpedia.
    await row.getByTestId('compute-stats').click();
    await row.getByTestId('sae-stats').waitFor({ timeout: LONG });
    const href = (await row.getByTestId('browse-features').getAttribute('href'))!;
    await page.goto(`${inject('baseUrl')}/${href}/feature/5`);
    const link = page.getByTestId('neuronpedia-link');
    await link.waitFor({ timeout: LONG });
    expect(await link.getAttribute('href')).toBe('https://www.neuronpedia.org/gpt2-small/2-res-jb/5');
  });

  it('loads gpt2-small-hook-z-kk (a .pt state dict) through the picker; Harvest for this SAE picks attn.hook_z', async () => {
    const { page } = app;
    await loadModel(page, 'openai-community/gpt2');
    await page.getByTestId('catalogue-release').selectOption('gpt2-small-hook-z-kk');
    await page.getByTestId('catalogue-sae').selectOption('blocks.0.hook_z');
    expect(await page.getByTestId('catalogue-reason').count()).toBe(0);
    await page.getByTestId('catalogue-load').click();
    const row = page.getByTestId('sae-row').filter({ hasText: 'gpt2-small-hook-z-kk' });
    await expect.poll(async () => ((await row.count()) > 0 ? 'listed' : await page.getByTestId('saes-error').textContent({ timeout: 100 }).catch(() => 'loading')), { timeout: LONG }).toBe('listed');
    expect(await row.textContent()).toContain('blocks.0.attn.hook_z');
    expect(await row.getByTestId('sae-settings').textContent()).toContain('fold_value_biases=true');
    expect(hub.requests.some((r) => r.endsWith(`/${encodeURIComponent(KK0.path)}`))).toBe(true);
    await row.getByTestId('harvest-for-sae').click();
    expect(await page.getByTestId('hook-blocks.0.attn.hook_z').isChecked()).toBe(true);
    expect(await page.getByTestId('context-length').inputValue()).toBe('128');
  });

  it('marks an SAE whose width is not the model’s, and refuses a run whose activations an SAE cannot read, saying why', async () => {
    const { page } = app;
    await page.getByTestId('source-hub').check(); // the catalogue loads from the address the model panel has
    await page.getByTestId('hub-url').fill(hub.url);
    await page.getByTestId('source-embedded').check();
    await loadModel(page, null); // the embedded tiny model: d_model 256
    await page.getByTestId('catalogue-release').selectOption('gpt2-small-res-jb');
    await page.getByTestId('catalogue-sae').selectOption('blocks.2.hook_resid_pre');
    await page.getByTestId('catalogue-load').click();
    // Stored (GPT-2 small may be loaded later) and marked: its row says why it cannot run here and which model to load.
    const wide = page.getByTestId('sae-row').filter({ hasText: 'gpt2-small-res-jb' });
    await wide.waitFor({ timeout: LONG });
    expect(await wide.getByTestId('sae-problem').textContent()).toBe(
      "reads 768-wide blocks.2.hook_resid_pre; tiny-gpt2's is 256 wide: load GPT-2 small (the SAE's model_name, gpt2-small) to use it",
    );
    expect(await wide.getByTestId('attribute-link').getAttribute('aria-disabled')).toBe('true');

    // A run of centred resid_post, and an SAE (SAELens files) that reads it uncentred.
    await page.getByTestId('hook-blocks.2.hook_resid_post').check();
    await page.getByTestId('tl-center_writing_weights').check();
    await page.getByTestId('context-length').fill('32');
    await harvest(page, join(dir, 'corpus.txt'));
    const cfg = { architecture: 'topk' as const, d_in: 256, d_sae: 64, k: 4, dtype: 'float32' as const, apply_b_dec_to_input: true, normalize_activations: 'none' as const };
    const meta = { hook_name: 'blocks.2.hook_resid_post', model_name: 'tiny-gpt2', context_size: 32, prepend_bos: true, model_from_pretrained_kwargs: tlKwargs(SAELENS_DEFAULTS) };
    const files = saveSaeLens({ ...cfg, ...meta }, initSae({ ...cfg, ...meta }, 3));
    const saeDir = join(dir, 'uncentred');
    mkdirSync(saeDir, { recursive: true });
    writeFileSync(join(saeDir, 'cfg.json'), files['cfg.json']);
    writeFileSync(join(saeDir, 'sae_weights.safetensors'), files['sae_weights.safetensors']);
    await page.getByTestId('sae-files').setInputFiles([join(saeDir, 'cfg.json'), join(saeDir, 'sae_weights.safetensors')]);
    const row = page.getByTestId('sae-row').first();
    await row.waitFor({ timeout: LONG });
    expect(await row.getByTestId('sae-settings-note').textContent()).toMatch(/centred over d_model .* cannot be recovered; harvest a run with model settings \{"fold_ln":true,"center_writing_weights":false/);
    expect(await row.getByTestId('compute-stats').isDisabled()).toBe(true); // no run can serve it
  });
});
