// Held-out numbers from the page: a run made with a held-out share (run-held-out-share) lists its held-out windows,
// and a small training on it draws held-out series beside the training ones on the live charts (read from the
// charts' DOM, not their pixels) and ends with the final SAE's held-out FVU, L0, dead fraction, CE and KL.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isHeldOutDocument } from '../../src/corpus/held-out';
import { type OpenedPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';

let app: OpenedPage;
const dir = join(tmpdir(), `sse-held-out-${process.pid}`);
const DOCS = 40;

beforeAll(async () => {
  app = await openPage(`${inject('baseUrl')}/`);
});

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('held-out figures on the train page', () => {
  it('a run with a held-out share trains with held-out series on the charts and held-out numbers in its summary', async () => {
    const { page } = app;
    const words = readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').split(/\s+/).filter(Boolean);
    mkdirSync(dir, { recursive: true });
    const lines = Array.from({ length: DOCS }, (_, d) => JSON.stringify({ text: words.slice(d * 50, d * 50 + 30 + (d % 17)).join(' ') }));
    writeFileSync(join(dir, 'docs.jsonl'), lines.join('\n'));
    const expectedHeld = Array.from({ length: DOCS }, (_, d) => d).filter((d) => isHeldOutDocument(d, { share: 0.3, seed: 0 }));
    expect(expectedHeld.length).toBeGreaterThan(3); // the corpus has held-out documents under this split

    await embeddedModelOn(page, 'wasm');
    expect(await page.getByTestId('run-held-out-share').inputValue()).toBe('2'); // the default, in %
    await page.getByTestId('corpus-input').setInputFiles([join(dir, 'docs.jsonl')]);
    await page.getByTestId('context-length').fill('32');
    await page.getByTestId('run-held-out-share').fill('30');
    await page.getByTestId('start-harvest').click();
    const row = page.locator('[data-testid="run-row"][data-status="done"]').first();
    await row.waitFor({ timeout: 180_000 });
    const held = row.getByTestId('run-held-out');
    expect(Number(await held.getAttribute('data-windows'))).toBeGreaterThan(0);
    expect(await held.textContent()).toMatch(/held out: 30% of documents · \d+ windows, [\d,]+ rows \(never trained on\)/);

    await page.getByTestId('train-architecture').selectOption('topk');
    for (const [k, v] of Object.entries({ expansion: '2', k: '8', steps: '60', batchSize: '64', lr: '0.004', checkpointEvery: '10' })) await page.getByTestId(`train-${k}`).fill(v);
    await page.getByTestId('train-device').selectOption('cpu');
    expect(await page.getByTestId('train-held-out-note').textContent()).toMatch(/Held out: 30% of documents.*held-out figures every 10 steps.*CE loss recovered and KL every 40 steps and at the end, on 8 held-out windows/);
    await page.getByTestId('train-start').click();
    const summary = page.locator('[data-testid="train-held-out-summary"]');
    await summary.waitFor({ timeout: 300_000 });

    // Held-out at steps 10 … 50 (checkpoints) and 60 (the end), CE and KL at the 4th (step 40) and the end.
    for (const chart of ['chart-fvu', 'chart-l0', 'chart-dead']) {
      const c = page.getByTestId(chart);
      expect(await c.locator('[data-series="training"]').getAttribute('data-points')).toBe('60');
      expect(await c.locator('[data-series="held-out"]').getAttribute('data-points')).toBe('6');
      expect(await c.getByTestId('chart-legend').allTextContents()).toEqual(['training', 'held-out']);
    }
    expect(await page.getByTestId('chart-ce-recovered').locator('[data-series="held-out"]').getAttribute('data-points')).toBe('2');
    expect(await page.getByTestId('chart-kl').locator('[data-series="held-out"]').getAttribute('data-points')).toBe('2');

    expect(await summary.getAttribute('data-present')).toBe('true');
    expect(await summary.getAttribute('data-step')).toBe('60');
    const fvu = Number(await summary.getAttribute('data-fvu'));
    expect(fvu).toBeGreaterThan(0);
    expect(fvu).toBeLessThan(1.5);
    expect(Number(await summary.getAttribute('data-l0'))).toBeGreaterThan(0);
    expect(Number(await summary.getAttribute('data-l0'))).toBeLessThanOrEqual(8);
    const dead = Number(await summary.getAttribute('data-dead'));
    expect(dead).toBeGreaterThanOrEqual(0);
    expect(dead).toBeLessThan(1);
    expect(Number.isFinite(Number(await summary.getAttribute('data-ce-recovered')))).toBe(true);
    expect(Number(await summary.getAttribute('data-kl'))).toBeGreaterThan(0);
    // The last held-out point drawn is the summary's figure.
    expect(Number(await page.getByTestId('chart-fvu').locator('[data-series="held-out"]').getAttribute('data-last'))).toBeCloseTo(fvu, 6);
    expect(await summary.textContent()).toMatch(/Held out \(never trained on\), at step 60: FVU \d\.\d{3} · L0 [\d.]+ · dead [\d.]+% on [\d,]+ rows of \d+ windows · CE loss recovered/);
  });
});
