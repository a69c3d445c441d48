// "Export for SAELens" from the page: after a training, the button downloads saelens_config.json (a SAELens
// LanguageModelSAERunnerConfig dict for the same recipe) and train_sae.py; the config says what the training did.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type OpenedPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';

let app: OpenedPage;
const dir = join(tmpdir(), `sse-saelens-export-${process.pid}`);

beforeAll(async () => {
  app = await openPage(`${inject('baseUrl')}/`);
  const { page } = app;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'moby.txt'), readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').slice(0, 8_000));
  await embeddedModelOn(page, 'wasm');
  await page.getByTestId('corpus-input').setInputFiles([join(dir, 'moby.txt')]);
  await page.getByTestId('context-length').fill('64');
  await page.getByTestId('start-harvest').click();
  await page.locator('[data-testid="run-row"][data-status="done"]').waitFor({ timeout: 180_000 });
});

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('Export for SAELens', () => {
  it('downloads a SAELens training config and train_sae.py for the training just done', async () => {
    const { page } = app;
    await page.getByTestId('train-architecture').selectOption('topk');
    for (const [k, v] of Object.entries({ expansion: '2', k: '8', steps: '30', batchSize: '64', lr: '0.004', seed: '11' })) await page.getByTestId(`train-${k}`).fill(v);
    await page.getByTestId('train-device').selectOption('cpu');
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-summary').waitFor({ timeout: 180_000 });

    const downloads: Record<string, string> = {};
    page.on('download', async (d) => {
      downloads[d.suggestedFilename()] = readFileSync(await d.path(), 'utf8');
    });
    await page.getByTestId('export-saelens').first().click();
    await expect.poll(() => Object.keys(downloads).sort(), { timeout: 30_000 }).toEqual(['saelens_config.json', 'train_sae.py']);

    const cfg = JSON.parse(downloads['saelens_config.json']);
    expect(cfg.sae).toMatchObject({ architecture: 'topk', d_in: 256, d_sae: 512, k: 8, normalize_activations: 'expected_average_only_in' });
    expect(cfg).toMatchObject({
      model_name: 'tiny-gpt2',
      hook_name: 'blocks.2.hook_resid_post',
      hook_head_index: null,
      context_size: 64,
      prepend_bos: true,
      training_tokens: 30 * 64,
      train_batch_size_tokens: 64,
      lr: 0.004,
      seed: 11,
      lr_scheduler_name: 'constant',
      lr_warm_up_steps: 3, // min(100, 10% of 30)
      lr_decay_steps: 6, // the last 20%
      dataset_path: '', // a dropped file: the script asks for --text-files
      exclude_special_tokens: [8191], // the run skipped BOS; tiny-gpt2's BOS is 8191
      // The model settings the run's activations followed (the lab's default: SAELens' own).
      model_from_pretrained_kwargs: { fold_ln: true, center_writing_weights: false, center_unembed: true, fold_value_biases: true },
    });
    const script = downloads['train_sae.py'];
    expect(script).toContain('LanguageModelSAERunnerConfig.from_dict(cfg_dict)');
    expect(script).toContain('(moby.txt)'); // the run's file, named where the script says what to pass
    expect(script).toContain('"tiny-gpt2" is not a TransformerLens model name'); // the embedded model is the lab's own
  });
});
