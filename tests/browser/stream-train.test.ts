// Stream training from the page (src/ui/components/StreamTrainPanel.tsx → src/worker/stream-jobs.ts): two hooks of
// the embedded model trained from Moby-Dick chapters dropped as files, paused after a checkpoint, the page
// reloaded (the worker and its File objects gone), the same files chosen again and the training resumed at the
// checkpoint's window; stopped, it leaves an SAE that goes to the dashboards. Counts are checked against the
// corpus: with context 17 a window is 16 rows, a step of 64 rows is 4 windows, and a mixing block of 16 steps is
// 64 windows, so the checkpoint at step s stands at window 4s and the resumed session forwards whole blocks from
// there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isHeldOutDocument } from '../../src/corpus/held-out';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { WindowBuilder } from '../../src/store/windows';
import { TINY_DIR } from '../helpers/checkpoints';
import { mobyChapters } from '../helpers/moby-corpus';
import { seriousViolations } from './axe';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';

const HOOKS = ['blocks.1.hook_resid_post', 'blocks.2.hook_resid_post'];
const L = 17;
const B = 64;
const STEPS = 640;
const SHARE = 0.25;
const dir = join(tmpdir(), `sse-stream-${process.pid}`);
const chapters = mobyChapters(12);
const paths = chapters.map((c) => join(dir, c.name));
let app: OpenedPage;

type Rec = { id: string; hook: string; step: number; done: boolean; window: number; windowOffset: number; streamId: string };
const records = (page: Page) => callInPage<Rec[]>(page, '/tests/browser/pages/stream-check.ts', 'streamRecords');
const attr = async (page: Page, id: string, name: string) => page.getByTestId(id).getAttribute(name);

/** Waits until a checkpoint at `step` or later is written, or the training fails (then says why). */
async function checkpointAtLeast(page: Page, step: number): Promise<void> {
  await page.waitForFunction(
    (s) =>
      Number(document.querySelector('[data-testid="stream-train-status"]')?.getAttribute('data-checkpoint') || 0) >= s ||
      document.querySelector('[data-testid="stream-train-error"]') !== null,
    step,
    { timeout: 240_000 },
  );
  expect(await page.getByTestId('stream-train-error').count(), (await page.getByTestId('stream-train-panel').textContent()) ?? '').toBe(0);
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  chapters.forEach((c, i) => writeFileSync(paths[i], c.bytes));
  app = await openPage(`${inject('baseUrl')}/`);
});

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('stream training from the page', () => {
  it('resumes after a reload at the checkpoint window, with the same files chosen again, and ends with an SAE', async () => {
    const { page } = app;
    // The corpus as an independent packing sees it: enough training windows for the steps trained here.
    const tiny = loadGpt2FromDir(TINY_DIR);
    const tok = tiny.tokenizer;
    const wb = new WindowBuilder({ contextLength: L, bosTokenId: tiny.cfg.bosTokenId, separatorTokenId: tiny.cfg.eosTokenId });
    const corpus: number[][] = []; // the training windows' ids, in order
    chapters.forEach((c, doc) => {
      if (!isHeldOutDocument(doc, { share: SHARE, seed: 0 })) corpus.push(...[...wb.addTokens(doc, tok.encode(c.text), 0), ...wb.endDocument(doc)].map((w) => w.ids));
    });
    const corpusWindows = corpus.length;

    await embeddedModelOn(page, 'wasm');
    await page.getByTestId('stream-train-files').setInputFiles(paths);
    await page.getByTestId('stream-train-hooks').selectOption(HOOKS);
    const fill = async (o: Record<string, string>) => {
      for (const [k, v] of Object.entries(o)) await page.getByTestId(`stream-train-${k}`).fill(v);
    };
    await fill({ expansion: '2', k: '8', tokens: String(STEPS * B), batchSize: String(B), contextLength: String(L), heldOutShare: String(SHARE), checkpointEvery: '16', lr: '0.003', sampleEvery: '4' });
    await page.getByTestId('stream-train-device').selectOption('cpu');
    expect((await seriousViolations(page)).filter((v) => v.includes('stream-train'))).toEqual([]);
    await page.getByTestId('stream-train-start').click();
    await checkpointAtLeast(page, 16);
    await page.getByTestId('stream-train-pause').click();
    await page.getByTestId('stream-train-held').waitFor({ timeout: 60_000 });
    const saved = await records(page);
    expect(saved.map((r) => r.hook).sort()).toEqual(HOOKS);
    const s = saved[0].step;
    expect(s % 16).toBe(0);
    for (const r of saved) expect(r).toMatchObject({ step: s, done: false, window: (s * B) / (L - 1), windowOffset: 0 });
    expect(corpusWindows).toBeGreaterThan((s * B) / (L - 1));

    // A reload: the worker, the training and the File objects are gone; the checkpoint stays.
    await page.reload();
    await embeddedModelOn(page, 'wasm');
    const row = page.getByTestId('stream-training-row');
    await row.waitFor({ timeout: 60_000 });
    expect(Number(await row.getAttribute('data-step'))).toBe(s);
    expect(Number(await row.getAttribute('data-window'))).toBe(4 * s);
    // Other files are refused (checked by SHA-256), and nothing is lost.
    await page.getByTestId('stream-train-files').setInputFiles(paths.slice(1));
    await row.getByTestId('stream-train-resume').click();
    await page.getByTestId('stream-train-error').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('stream-train-error').textContent()).toMatch(/these are not the files this training streamed: the training streamed 12 files .*; 11 were dropped\. Drop the same files/);
    expect((await records(page)).every((r) => r.step === s)).toBe(true);

    await page.getByTestId('stream-train-files').setInputFiles(paths);
    await page.getByTestId('stream-training-row').getByTestId('stream-train-resume').click();
    await checkpointAtLeast(page, s + 80);
    expect(await page.getByTestId('stream-train-status').textContent()).toMatch(new RegExp(`resumed at step ${s}`));
    await page.getByTestId('stream-train-stop').click();
    const summary = page.getByTestId('stream-train-summary');
    await summary.waitFor({ timeout: 240_000 });
    const f = Number(await summary.getAttribute('data-steps'));
    expect(f).toBeGreaterThanOrEqual(s + 80);
    expect(f).toBeLessThan(STEPS);
    expect(Number(await summary.getAttribute('data-resumed'))).toBe(s);
    expect(Number(await summary.getAttribute('data-window'))).toBe(4 * f);
    // The resumed session forwarded whole 64-window blocks starting at window 4s: nothing before it again, no gap.
    const forwarded = Number(await summary.getAttribute('data-forward-tokens'));
    expect(forwarded % L).toBe(0);
    expect((forwarded / L) % 64).toBe(0);
    expect(forwarded / L).toBeGreaterThanOrEqual(4 * (f - s));
    expect(await summary.textContent()).toMatch(/stopped early/);
    const end = await records(page);
    for (const r of end) expect(r).toMatchObject({ step: f, done: false, window: 4 * f, windowOffset: 0 });

    // Every 4th training window from the resumed block on is kept as an ordinary run, whole shards of 64 windows
    // (the first session's samples had not filled a shard: a resume samples again from its checkpoint's block).
    type Dump = { run: { id: string; status: string; committedShards: number; windows: number }; windows: number[][] };
    const runs = await callInPage<{ id: string; name: string }[]>(page, '/tests/browser/pages/store-check.ts', 'runs');
    const sampleRun = runs.find((x) => x.name.startsWith('stream sample (every 4th window)'))!;
    const dump = await callInPage<Dump>(page, '/tests/browser/pages/store-check.ts', 'dumpRun', sampleRun.id);
    expect(dump.run.status).toBe('done');
    expect(dump.run.committedShards).toBeGreaterThanOrEqual(1);
    expect(dump.windows).toHaveLength(64 * dump.run.committedShards);
    dump.windows.forEach((ids, j) => expect(ids).toEqual(corpus[4 * s + 4 * j]));

    // The stopped training's SAE goes to the dashboards.
    const before = await page.getByTestId('sae-row').count();
    await page.getByTestId('stream-train-to-dashboards').first().click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="sae-row"]').length > n, before, { timeout: 60_000 });
    expect(await page.getByTestId('sae-row').last().textContent()).toMatch(new RegExp(`${HOOKS[0].replace(/\./g, '\\.')}.*stream step ${f}`));
  });
});
