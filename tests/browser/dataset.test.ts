// A run harvested from a Hugging Face dataset, driven through the page: the "Hugging Face dataset" source pointed at
// the local Hub lookalike, tokenized as SAELens packs it and harvested. The stored windows equal an independent
// SAELens packing of the same rows (computed here in Node), the run records the dataset, and the lookalike's log
// shows the Parquet was read by Range (never whole).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeSafetensors } from '../../src/core/safetensors-write';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { NO_HELD_OUT, SplitWindowBuilder } from '../../src/corpus/held-out';
import { SaeLensPacker } from '../../src/store/saelens-pack';
import { TINY_DIR } from '../helpers/checkpoints';
import { type DatasetFixtures, writeDatasetFixtures } from '../helpers/dataset-fixtures';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { modelReady } from './lab';

const CONTEXT = 16;
const MAX_TOKENS = 400;
const HOOK = 'blocks.1.hook_resid_post';

let fx: DatasetFixtures;
let hub: HubServer;
let app: OpenedPage;

beforeAll(async () => {
  fx = writeDatasetFixtures();
  hub = await startHubServer(fx.repos);
});
afterEach(async () => {
  await app?.close();
});
afterAll(async () => {
  await closeChromium();
  await hub?.close();
  rmSync(fx.root, { recursive: true, force: true });
});

/** SAELens' windows for the rows, stopping as the run does: at the first document boundary with ≥ MAX_TOKENS in full windows. */
function expectedWindows(docs: string[], bos: number): number[][] {
  const tok = loadGpt2FromDir(TINY_DIR).tokenizer;
  const packer = new SaeLensPacker({ contextLength: CONTEXT, beginBatchTokenId: bos, sequenceSeparatorTokenId: bos });
  const out: number[][] = [];
  for (let d = 0; d < docs.length && out.length * CONTEXT < MAX_TOKENS; d++) out.push(...packer.addTokens(d, tok.encode(docs[d]), 0).map((w) => w.ids));
  return out;
}

describe('a run from a Hugging Face dataset', () => {
  it('streams the dataset from the Hub lookalike into SAELens’ windows and harvests them', async () => {
    app = await openPage(`${inject('baseUrl')}/`);
    const { page } = app;
    await modelReady(page);
    await page.getByTestId(`hook-${HOOK}`).check();
    await page.getByTestId('context-length').fill(String(CONTEXT));
    await page.getByTestId('skip-bos').uncheck();
    await page.getByTestId('dataset-hub').fill(hub.url);
    await page.getByTestId('dataset-repo').fill('lab/tiny-text');
    await page.getByTestId('dataset-split').fill('train');
    await page.getByTestId('dataset-column').fill('text');
    await page.getByTestId('dataset-start').fill('0');
    await page.getByTestId('dataset-max-tokens').fill(String(MAX_TOKENS));
    await page.getByTestId('dataset-use').click();
    await expect.poll(() => page.getByTestId('corpus-source').textContent()).toMatch(/lab\/tiny-text \(train\)/);
    const before = hub.log.length;
    await page.getByTestId('start-harvest').click();
    await expect.poll(() => page.getByTestId('run-row').first().getAttribute('data-status'), { timeout: 180_000 }).toBe('done');

    const [summary] = await callInPage<{ id: string }[]>(page, '/tests/browser/pages/store-check.ts', 'runs');
    const dump = await callInPage<Awaited<ReturnType<typeof import('./pages/store-check').dumpRun>>>(page, '/tests/browser/pages/store-check.ts', 'dumpRun', summary.id);
    const { run } = dump;
    const want = expectedWindows([...fx.train[0], ...fx.train[1]], run.bosTokenId);
    expect(want.length).toBeGreaterThan(10);
    expect(dump.windows).toEqual(want);
    expect(run.packing).toBe('saelens');
    expect(run.dataset).toMatchObject({ repo: 'lab/tiny-text', revision: 'main', split: 'train', column: 'text', start: 0, maxTokens: MAX_TOKENS, pretokenized: false });
    expect(run.dataset!.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(run.committedRows).toBe(want.length * CONTEXT); // BOS rows kept (skip BOS off)

    const parquet = hub.log.slice(before).filter((r) => r.path.endsWith('.parquet') && r.method === 'GET');
    expect(parquet.length).toBeGreaterThan(0);
    expect(parquet.every((r) => r.status === 206 && r.range !== null)).toBe(true); // by Range, never whole
    expect(parquet.some((r) => r.path.includes('train-00001'))).toBe(false); // the second shard was never needed
    expect(app.errors).toEqual([]);
  });

  it('a network that stays down pauses the run; after a reload, Resume streams the rest into the same windows', async () => {
    app = await openPage(`${inject('baseUrl')}/`);
    const { page } = app;
    await modelReady(page);
    await page.getByTestId(`hook-${HOOK}`).check();
    await page.getByTestId('context-length').fill(String(CONTEXT));
    await page.getByTestId('dataset-hub').fill(hub.url);
    await page.getByTestId('dataset-repo').fill('lab/tiny-text');
    await page.getByTestId('dataset-max-tokens').fill('');
    await page.getByTestId('dataset-use').click();
    hub.faults.set('data/train-00001-of-00002.parquet', 'destroy-mid-body'); // the second shard is unreachable
    await page.getByTestId('start-harvest').click();
    await expect.poll(() => page.getByTestId('harvest-error').textContent(), { timeout: 60_000 }).toMatch(/paused/);
    await expect.poll(() => page.getByTestId('run-row').first().getAttribute('data-status')).toBe('paused');
    expect(await page.getByTestId('run-dataset').textContent()).toMatch(/lab\/tiny-text · train .*stream paused/);

    hub.faults.clear();
    await page.reload();
    await modelReady(page);
    await page.getByTestId('resume-run').click();
    await expect.poll(() => page.getByTestId('run-row').first().getAttribute('data-status'), { timeout: 180_000 }).toBe('done');
    const [summary] = await callInPage<{ id: string }[]>(page, '/tests/browser/pages/store-check.ts', 'runs');
    const dump = await callInPage<Awaited<ReturnType<typeof import('./pages/store-check').dumpRun>>>(page, '/tests/browser/pages/store-check.ts', 'dumpRun', summary.id);
    const tok = loadGpt2FromDir(TINY_DIR).tokenizer;
    // SAELens' packing, one packer per share: the run's held-out documents (the panel's default 2%) go to windows of their own.
    const make = () => new SaeLensPacker({ contextLength: CONTEXT, beginBatchTokenId: dump.run.bosTokenId, sequenceSeparatorTokenId: dump.run.bosTokenId });
    const packer = new SplitWindowBuilder(make, dump.run.heldOut ?? NO_HELD_OUT);
    const want = [...fx.train[0], ...fx.train[1]].flatMap((d, i) => packer.addTokens(i, tok.encode(d), 0).map((w) => w.window.ids));
    expect(dump.windows).toEqual(want);
    expect(dump.run.committedRows).toBe(dump.run.totalRows);
  });

  it('an SAE whose cfg.json names a Hub dataset harvests from it in one click', async () => {
    // SAELens files of a small ReLU SAE on the tiny model's blocks.1.hook_resid_post, trained (says its cfg) on lab/tiny-text.
    const dir = join(fx.root, 'sae');
    mkdirSync(dir, { recursive: true });
    const cfg = { architecture: 'standard', d_in: 256, d_sae: 8, dtype: 'float32', device: 'cpu', model_name: 'tiny-gpt2', hook_name: HOOK, hook_layer: 1, hook_head_index: null, activation_fn_str: 'relu', apply_b_dec_to_input: true, finetuning_scaling_factor: false, context_size: CONTEXT, prepend_bos: true, dataset_path: 'lab/tiny-text', normalize_activations: 'none' };
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify(cfg));
    const f = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) / 16);
    writeFileSync(join(dir, 'sae_weights.safetensors'), writeSafetensors([
      { name: 'W_enc', dtype: 'F32', shape: [256, 8], data: f(2048) },
      { name: 'b_enc', dtype: 'F32', shape: [8], data: f(8) },
      { name: 'W_dec', dtype: 'F32', shape: [8, 256], data: f(2048) },
      { name: 'b_dec', dtype: 'F32', shape: [256], data: f(256) },
    ]));
    app = await openPage(`${inject('baseUrl')}/`);
    const { page } = app;
    await modelReady(page);
    await page.getByTestId('dataset-hub').fill(hub.url);
    await page.getByTestId('dataset-max-tokens').fill(String(MAX_TOKENS));
    await page.getByTestId('sae-files').setInputFiles([join(dir, 'cfg.json'), join(dir, 'sae_weights.safetensors')]);
    await expect.poll(() => page.getByTestId('sae-dataset').textContent(), { timeout: 30_000 }).toMatch(/trained on lab\/tiny-text/);
    await page.getByTestId('harvest-sae-dataset').click();
    await expect.poll(() => page.getByTestId('run-row').first().getAttribute('data-status'), { timeout: 180_000 }).toBe('done');
    const [summary] = await callInPage<{ id: string }[]>(page, '/tests/browser/pages/store-check.ts', 'runs');
    const dump = await callInPage<Awaited<ReturnType<typeof import('./pages/store-check').dumpRun>>>(page, '/tests/browser/pages/store-check.ts', 'dumpRun', summary.id);
    expect(dump.run.dataset).toMatchObject({ repo: 'lab/tiny-text', split: 'train' });
    expect(dump.run.hooks.map((h) => h.name)).toEqual([HOOK]);
    expect(dump.run.contextLength).toBe(CONTEXT);
    expect(dump.windows).toEqual(expectedWindows([...fx.train[0], ...fx.train[1]], dump.run.bosTokenId));
    expect(app.errors).toEqual([]);
  });
});
