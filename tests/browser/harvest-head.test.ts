// One head harvested from the page (SAELens' hook_head_index): the hook picker's "one head" control adds
// blocks.2.attn.hook_z[1], the run lists it with its d_head width, and every stored row equals head 1 of
// TransformerLens' hook_z for its window (independent float64 reference, SAELens' default model settings).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TINY_DIR, readCheckpoint } from '../helpers/checkpoints';
import { assertClose } from '../reference/compare';
import { tlForward, tlState } from '../reference/tl-reference';
import { callInPage, closeChromium, openPage } from './chromium';
import { seriousViolations } from './axe';
import { embeddedModelOn } from './lab';

const KEY = 'blocks.2.attn.hook_z[1]';
const HD = 64; // tiny-gpt2: d 256, 4 heads

afterAll(async () => {
  await closeChromium();
});

describe('harvest one head', () => {
  it('stores head h of hook_z alone, [pos, d_head], listed with its width', async () => {
    const dir = join(tmpdir(), `sse-head-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'loomings.txt');
    writeFileSync(file, 'Whenever I find myself growing grim about the mouth; whenever it is a damp, drizzly November in my soul, I go to sea.');
    const app = await openPage(`${inject('baseUrl')}/`);
    try {
      const { page } = app;
      await embeddedModelOn(page, 'wasm');
      await page.getByTestId('corpus-input').setInputFiles([file]);
      // Only the one head: untick the default hook, then choose block 2, hook_z, head 1.
      for (const box of await page.locator('[data-testid^="hook-blocks."]:checked').all()) await box.uncheck();
      await page.getByTestId('head-layer').selectOption('2');
      await page.getByTestId('head-point').selectOption('attn.hook_z');
      await page.getByTestId('head-index').fill('1');
      await page.getByTestId('add-head-hook').click();
      await expect.poll(() => page.getByTestId(`hook-${KEY}`).isChecked()).toBe(true);
      expect(await seriousViolations(page)).toEqual([]); // the new controls are labelled (axe-core)
      await page.getByTestId('context-length').fill('16');
      await page.getByTestId('start-harvest').click();
      await expect.poll(() => page.getByTestId('run-row').getAttribute('data-status'), { timeout: 180_000 }).toBe('done');

      const link = page.getByTestId('run-hook-link');
      expect(await link.count()).toBe(1);
      expect(await link.getAttribute('data-hook')).toBe(KEY);
      expect(await link.getAttribute('title')).toBe(`the ${HD} raw units of ${KEY}: neuron pages`);

      const [run] = await callInPage<{ id: string }[]>(page, '/tests/browser/pages/store-check.ts', 'runs');
      const dump = await callInPage<Awaited<ReturnType<typeof import('./pages/store-check').dumpRun>>>(page, '/tests/browser/pages/store-check.ts', 'dumpRun', run.id);
      expect(dump.run.hooks).toEqual([{ name: KEY, dim: HD }]);
      const b = Buffer.from(dump.hooks[KEY], 'base64');
      const stored = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      expect(stored.length).toBe(dump.run.committedRows * HD);
      const ckpt = readCheckpoint(TINY_DIR);
      const state = tlState(ckpt.config, ckpt.weights, { fold_ln: true, center_writing_weights: true, center_unembed: true, fold_value_biases: true });
      const refs = dump.windows.map((ids) => tlForward(state, ids, ['blocks.2.attn.hook_z']).hooks['blocks.2.attn.hook_z'].data); // each [T, 4, 64]
      const expected = new Float64Array(stored.length);
      dump.window.forEach((w, i) => expected.set(refs[w].subarray((dump.position[i] * 4 + 1) * HD, (dump.position[i] * 4 + 2) * HD), i * HD));
      assertClose(`stored ${KEY}`, stored, expected, 1e-4);
    } finally {
      await app.close();
    }
  });
});
