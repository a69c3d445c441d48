// Corpus → activation store in Chromium, driven as a user would: drop a corpus of good and bad files,
// harvest two hooks, reload mid-harvest, resume; the store then holds exactly the expected rows, no
// duplicates, each equal to the model's hook output for its window (independent CPU reference).
// Also: a storage quota too small for the run stops with a clear message and a consistent store.
// Every test opens the app in a browser context of its own, so none depends on what another left in
// storage (the file passes with its tests in any order: vitest --sequence.shuffle).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { TINY_DIR, readCheckpoint, reference } from '../helpers/checkpoints';
import { assertClose } from '../reference/compare';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn, modelReady } from './lab';
import { armQuota } from './quota';

const MOBY = `Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world. It is a way I have of driving off the spleen and regulating the circulation.`;
const CONTEXT = 32;
const HOOKS = ['blocks.2.hook_resid_post', 'blocks.1.mlp.hook_post'];

let app: OpenedPage;
let dir: string;
let good: string[]; // texts of the good documents, in corpus order

function writeFixture(): string[] {
  dir = join(tmpdir(), `sse-corpus-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const docs = {
    txt: `${MOBY}\n\n${MOBY.toUpperCase()}\n\n`.repeat(4),
    md: '# Loomings\n\nWhenever I find myself growing grim about the mouth; whenever it is a damp, drizzly November in my soul…',
    jsonl: ['There now is your insular city of the Manhattoes, belted round by wharves.', 'Right and left, the streets take you waterward.'],
    csv: ['Circumambulate the city of a dreamy Sabbath afternoon.', 'What do you see?—Posted like silent sentinels, "all around the town".'],
  };
  writeFileSync(join(dir, 'a-moby.txt'), docs.txt);
  writeFileSync(join(dir, 'b-loomings.md'), docs.md);
  writeFileSync(join(dir, 'c-lines.jsonl'), `${JSON.stringify({ text: docs.jsonl[0] })}\n{"text": broken json\n${JSON.stringify({ text: docs.jsonl[1] })}\n`);
  writeFileSync(join(dir, 'd-table.csv'), `id,text\n1,${docs.csv[0]}\n2,"${docs.csv[1].replace(/"/g, '""')}"\n`);
  writeFileSync(join(dir, 'e-image.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
  writeFileSync(join(dir, 'f-latin1.txt'), Buffer.from('caf\xe9 cr\xe8me br\xfbl\xe9e', 'latin1'));
  writeFileSync(join(dir, 'g-empty.txt'), '');
  return [docs.txt, docs.md, ...docs.jsonl, ...docs.csv];
}

const ALL_FILES = ['a-moby.txt', 'b-loomings.md', 'c-lines.jsonl', 'd-table.csv', 'e-image.txt', 'f-latin1.txt', 'g-empty.txt'];
const files = (names = ALL_FILES) => names.map((f) => join(dir, f));

/** WebGPU (SwiftShader here) is slow enough that a reload lands mid-harvest. */
async function loadTiny(page: Page): Promise<void> {
  await embeddedModelOn(page, 'webgpu');
}

async function configureRun(page: Page, rowsPerShard: number, names = ALL_FILES): Promise<void> {
  await page.getByTestId('corpus-input').setInputFiles(files(names));
  for (const h of HOOKS) await page.getByTestId(`hook-${h}`).check();
  await page.getByTestId('context-length').fill(String(CONTEXT));
  await page.getByTestId('rows-per-shard').fill(String(rowsPerShard));
}

beforeAll(() => {
  good = writeFixture();
});

beforeEach(async () => {
  app = await openPage(`${inject('baseUrl')}/`);
});

afterEach(async () => {
  await app?.close();
});

afterAll(async () => {
  await closeChromium();
});

describe('harvest', () => {
  it('lists bad files with reasons, survives a reload mid-harvest, and stores exactly the right rows', async () => {
    const { page } = app;
    await loadTiny(page);
    await configureRun(page, 48);
    await page.getByTestId('start-harvest').click();

    // Reload once a few shards are committed, as a crashed or closed tab would.
    await expect
      .poll(async () => Number((await page.getByTestId('harvest-progress-text').textContent().catch(() => '')) ?.match(/(\d+) shards committed/)?.[1] ?? 0), {
        timeout: 120_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(2);
    // The runs table counts committed rows as shards commit, not "0 / total" until the harvest ends.
    const storedInTable = async () => Number((await page.getByTestId('run-rows').first().textContent())!.split(' / ')[0].replace(/,/g, ''));
    await expect.poll(storedInTable, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(2 * 48);
    expect((await storedInTable()) % 48).toBe(0); // whole shards only: what is committed, not what is buffered
    await page.reload();
    const [interrupted] = await callInPage<{ id: string; status: string; committedShards: number; totalRows: number }[]>(page, '/tests/browser/pages/store-check.ts', 'runs');
    expect(interrupted.status).toBe('harvesting');
    expect(interrupted.committedShards).toBeGreaterThanOrEqual(2);
    expect(interrupted.committedShards * 48).toBeLessThan(interrupted.totalRows);

    await loadTiny(page);
    await page.getByTestId('resume-run').click();
    await expect.poll(() => page.getByTestId('run-row').getAttribute('data-status'), { timeout: 180_000 }).toBe('done');

    const dump = await callInPage<Awaited<ReturnType<typeof import('./pages/store-check').dumpRun>>>(page, '/tests/browser/pages/store-check.ts', 'dumpRun', interrupted.id);
    const { run } = dump;
    expect(run.rejections.map((r) => r.file).sort()).toEqual(['c-lines.jsonl', 'e-image.txt', 'f-latin1.txt', 'g-empty.txt']);
    expect(run.rejections.find((r) => r.file === 'c-lines.jsonl')!.line).toBe(2);
    expect(run.documents).toBe(good.length);

    // Expected rows, computed independently: every document's tokens plus one separator each (BOS rows skipped).
    const tok = loadGpt2FromDir(TINY_DIR).tokenizer;
    const stream = good.flatMap((t) => [...tok.encode(t), 8191]);
    expect(run.totalRows).toBe(stream.length);
    expect(run.committedRows).toBe(stream.length);
    expect(dump.window.length).toBe(stream.length);
    expect(dump.shardKeys).toBe(run.committedShards * HOOKS.length); // no stray shards
    const pairs = new Set(dump.window.map((w, i) => `${w}:${dump.position[i]}`));
    expect(pairs.size).toBe(stream.length); // no duplicates
    expect(dump.tokenId).toEqual(stream);
    expect(dump.windows.every((w) => w[0] === 8191 && w.length <= CONTEXT)).toBe(true);
    expect([...dump.shuffledRowIndex].sort((a, b) => a - b)).toEqual(stream.map((_, i) => i));
    expect(dump.lastContext!.file).toBe('d-table.csv');

    // Every stored row equals the hook output of a direct forward on its window.
    const ckpt = readCheckpoint(TINY_DIR);
    const refs = dump.windows.map((ids) => reference(ckpt, ids));
    for (const hook of HOOKS) {
      const dim = hook.includes('mlp') ? 1024 : 256;
      const b = Buffer.from(dump.hooks[hook], 'base64');
      const stored = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      const expected = new Float32Array(stored.length);
      dump.window.forEach((w, i) => expected.set(refs[w].hooks[hook].subarray(dump.position[i] * dim, (dump.position[i] + 1) * dim), i * dim));
      assertClose(`stored ${hook}`, stored, expected, 1e-4);
    }

    // The rejections are listed in the page with their reasons, and the run is listed after a reload.
    expect(await page.getByTestId('rejection').allTextContents()).toEqual([
      'c-lines.jsonl:2 — line 2: not valid JSON',
      'e-image.txt — looks like a binary file (contains NUL bytes)',
      expect.stringMatching(/^f-latin1.txt — not UTF-8 text/),
      'g-empty.txt — empty file',
    ]);
    await page.reload();
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('run-row').getAttribute('data-status')).toBe('done');
  });

  it('pauses, resumes and cancels from the page', async () => {
    const { page } = app;
    await loadTiny(page);
    await configureRun(page, 48);
    const shards = async () => Number((await page.getByTestId('harvest-progress-text').textContent().catch(() => ''))?.match(/(\d+) shards committed/)?.[1] ?? 0);
    await page.getByTestId('start-harvest').click();
    await expect.poll(shards, { timeout: 120_000, interval: 100 }).toBeGreaterThanOrEqual(1);
    await page.getByTestId('pause-harvest').click();
    const row = page.getByTestId('run-row').first();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 120_000 }).toBe('paused');
    const pausedRows = await row.getByTestId('run-rows').textContent();
    const pausedShards = (await callInPage<{ committedShards: number }[]>(page, '/tests/browser/pages/store-check.ts', 'runs'))[0].committedShards;
    await row.getByTestId('resume-run').click();
    await expect.poll(shards, { timeout: 120_000, interval: 100 }).toBeGreaterThan(pausedShards);
    await page.getByTestId('cancel-harvest').click();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 120_000 }).toBe('cancelled');
    expect(await row.getByTestId('run-rows').textContent()).not.toBe(pausedRows); // resumed, then stopped
    const listed = await page.getByTestId('run-row').count();
    await row.getByTestId('delete-run').click();
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(listed - 1);
  });

  it('stops cleanly at a full storage quota, keeping the committed shards readable', async () => {
    const { page } = app;
    await loadTiny(page);
    await configureRun(page, 48);
    // Room for the windows and a few shards, no more. (navigator.storage.estimate() does not see the
    // override, so the app's pre-check passes and the quota runs out part-way through the harvest:
    // the case that must lose nothing.)
    const lift = await armQuota(page, 3_000_000);
    await page.getByTestId('start-harvest').click();
    await expect
      .poll(() => page.getByTestId('harvest-error').textContent(), { timeout: 180_000 })
      .toMatch(/^StoreQuotaError: shard \d+ of run .+ \(48 rows\) did not fit: the browser refused to store more data \(storage quota exceeded\)\. Committed shards are kept: \d+ shards, [\d,]+ of [\d,]+ rows\. Free space .+, then resume the run\.$/);
    expect(await page.getByTestId('harvest-error').textContent()).not.toMatch(/QuotaExceededError/);
    const run = (await callInPage<{ id: string; status: string }[]>(page, '/tests/browser/pages/store-check.ts', 'runs'))[0];
    // 'error' when the manifest could still record it; under a full quota even that write may fail,
    // leaving 'harvesting' (shown as interrupted, resumable). Either way the shards below are consistent.
    expect(['error', 'harvesting']).toContain(run.status);
    const dump = await callInPage<Awaited<ReturnType<typeof import('./pages/store-check').dumpRun>>>(page, '/tests/browser/pages/store-check.ts', 'dumpRun', run.id);
    expect(dump.run.committedShards).toBeGreaterThan(0);
    expect(dump.run.committedRows).toBeLessThan(dump.run.totalRows);
    expect(dump.run.committedRows).toBe(dump.run.committedShards * 48);
    expect(dump.window.length).toBe(dump.run.committedRows);
    expect(dump.shardKeys).toBe(dump.run.committedShards * HOOKS.length);
    expect(dump.shuffledRowIndex.length).toBe(dump.run.committedRows);
    // The panel and the runs table show what is committed and that the harvest failed, not "0 of N rows · ready".
    const fmt = (n: number) => n.toLocaleString('en-US');
    await expect.poll(() => page.getByTestId('last-run').textContent()).toMatch(new RegExp(`${fmt(dump.run.committedRows)} of ${fmt(dump.run.totalRows)} rows stored · error$`));
    await expect.poll(() => page.getByTestId('run-row').getAttribute('data-status')).toBe('error');
    expect(await page.getByTestId('run-rows').textContent()).toBe(`${fmt(dump.run.committedRows)} / ${fmt(dump.run.totalRows)}`);
    expect(await page.getByTestId('harvest-error').textContent()).toContain(`${dump.run.committedShards} shards, ${fmt(dump.run.committedRows)} of`);
    await lift();
  });

  it('refuses a corpus of only bad files: no run, every reason listed', async () => {
    const { page } = app;
    await modelReady(page);
    await configureRun(page, 48, ['e-image.txt', 'f-latin1.txt', 'g-empty.txt']);
    await page.getByTestId('start-harvest').click();
    const error = page.getByTestId('harvest-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toMatch(
      /^EmptyCorpusError: no run was made: none of the 3 files holds text to tokenize \(e-image\.txt: looks like a binary file \(contains NUL bytes\); f-latin1\.txt: not UTF-8 text.*; g-empty\.txt: empty file\)\. Choose UTF-8 text files/,
    );
    expect(await page.getByTestId('rejection').allTextContents()).toEqual([
      'e-image.txt — looks like a binary file (contains NUL bytes)',
      expect.stringMatching(/^f-latin1.txt — not UTF-8 text/),
      'g-empty.txt — empty file',
    ]);
    await expect.poll(() => page.getByTestId('start-harvest').isEnabled()).toBe(true); // the job is over
    expect(await page.getByTestId('run-row').count()).toBe(0);
    expect(await page.getByTestId('last-run').count()).toBe(0);
    expect(await callInPage<unknown[]>(page, '/tests/browser/pages/store-check.ts', 'runs')).toEqual([]);
    // Nothing of it is left in the store either (windows, documents).
    expect(await callInPage<number>(page, '/tests/browser/pages/store-check.ts', 'recordCount')).toBe(0);
  });

  it('deletes a run and frees its records', async () => {
    const { page } = app;
    await loadTiny(page);
    await configureRun(page, 48, ['b-loomings.md', 'c-lines.jsonl', 'd-table.csv']);
    await page.getByTestId('start-harvest').click();
    await expect.poll(() => page.getByTestId('run-row').getAttribute('data-status'), { timeout: 180_000 }).toBe('done');
    const before = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    await page.getByTestId('delete-run').click();
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(0);
    expect(await callInPage<unknown[]>(page, '/tests/browser/pages/store-check.ts', 'runs')).toEqual([]);
    const after = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    console.log(`storage usage ${before} → ${after} bytes after deleting`);
    expect(after).toBeLessThan(before);
  });
});
