// The edges of saving and naming, through the real app (Chromium, wasm backend):
// - a full storage quota at the statistics save and at the SAE saves (an SAE trained in the lab, an SAE loaded from
//   SAELens files): the one quota message (src/core/errors.ts quotaMessage), nothing saved before is lost (the run,
//   the training's checkpoint, the statistics of an earlier pass), and the same action works once space is free;
// - a reload in the middle of a statistics pass: the page says the pass was cut short and that nothing of it was
//   saved, and the pass run again gives statistics bit-identical to a pass that was never interrupted;
// - names from files (a corpus file, an SAE) holding a right-to-left override and a zero-width space: every name is
//   in a <bdi>, and no live bidi or invisible control character is left in the page's text or attributes;
// - the steering page follows its URL (back/forward between two steering URLs of one SAE).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type SaeConfig, initSae } from '../../src/sae/sae';
import { saveSaeLens } from '../../src/sae/saelens';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn, modelReady } from './lab';
import { armQuotaWhenInForce, liftQuotaAndWait } from './quota';

const dir = join(tmpdir(), `sse-saves-names-${process.pid}`);
const STORE = '/tests/browser/pages/store-check.ts';
const HOOK = 'blocks.2.hook_resid_post';
/** A corpus file and an SAE whose names carry an RTL override and a zero-width space (shown as \u202E, \u200B). */
const EVIL_FILE = '\u202Eevil\u200B.txt';
const EMPTY_FILE = '\u202Eempty\u200B.txt';
const EVIL_SAE = '\u202Eevil-sae\u200B';
/** Characters that must never be live in the page: bidi controls and marks, invisible format characters. */
const LIVE = /[\u061C\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069\u2060\uFEFF]/u;
const shown = (s: string) => s.replace(/[\u200B\u202E]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);

let app: OpenedPage;

/** SAELens files of a random TopK SAE on HOOK of the tiny model (d_sae 2048: 4.2 MB of weights). */
function saeFiles(seed: number): { cfg: Buffer; weights: Buffer } {
  const cfg: SaeConfig = { architecture: 'topk', d_in: 256, d_sae: 2048, k: 16, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: HOOK, model_name: 'tiny-gpt2', context_size: 64, prepend_bos: true };
  const files = saveSaeLens(cfg, initSae(cfg, seed));
  return { cfg: Buffer.from(files['cfg.json']), weights: Buffer.from(files['sae_weights.safetensors']) };
}

/** Picks an SAE's files in the SAEs panel; its name is the weights file's (src/ui/features-store.ts). */
async function pickSaeFiles(page: Page, name: string, seed: number): Promise<void> {
  const f = saeFiles(seed);
  await page.evaluate(() => (window.location.hash = '#/'));
  await page.getByTestId('sae-files').setInputFiles([
    { name: 'cfg.json', mimeType: 'application/json', buffer: f.cfg },
    { name: `${name}.safetensors`, mimeType: 'application/octet-stream', buffer: f.weights },
  ]);
}

const storedSaes = (page: Page) => callInPage<{ id: string; name: string }[]>(page, STORE, 'saes');

/** Adds an SAE from files (once per name) and returns its id. */
const added = new Map<string, Promise<string>>();
function addFilesSae(name: string, seed: number): Promise<string> {
  if (!added.has(name)) {
    added.set(name, (async () => {
      const { page } = app;
      await pickSaeFiles(page, name, seed);
      await expect.poll(async () => (await storedSaes(page)).some((s) => s.name === name), { timeout: 60_000 }).toBe(true);
      return (await storedSaes(page)).find((s) => s.name === name)!.id;
    })());
  }
  return added.get(name)!;
}

const rowOf = (page: Page, name: string) => page.getByTestId('sae-row').filter({ has: page.getByTestId('sae-name').filter({ hasText: shown(name) }) });
const digest = (page: Page, saeId: string) => callInPage<{ createdAt: number; rows: number; digests: Record<string, string> } | null>(page, STORE, 'featureStatsDigest', saeId);

/** Runs the statistics pass of an SAE (by name) on the CPU from its row and waits for the saved statistics. */
async function statsPass(page: Page, name: string, saeId: string, button = 'compute-stats'): Promise<NonNullable<Awaited<ReturnType<typeof digest>>>> {
  const before = (await digest(page, saeId))?.createdAt ?? 0;
  const row = rowOf(page, name);
  await row.getByTestId('stats-device').selectOption('cpu');
  await row.getByTestId(button).click();
  await expect.poll(async () => (await digest(page, saeId))?.createdAt ?? 0, { timeout: 300_000 }).toBeGreaterThan(before);
  await row.getByTestId('sae-stats').waitFor({ timeout: 60_000 });
  return (await digest(page, saeId))!;
}

let trained: Promise<void> | null = null;
/** A TopK SAE trained in the lab on the run (30 steps, d_sae 1024): its summary and checkpoint stay in the lab. */
function trainSae(): Promise<void> {
  trained ??= (async () => {
    const { page } = app;
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.getByTestId('train-architecture').selectOption('topk');
    for (const [k, v] of Object.entries({ expansion: '4', k: '8', steps: '30', batchSize: '64' })) await page.getByTestId(`train-${k}`).fill(v);
    await page.getByTestId('train-device').selectOption('cpu');
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-summary').waitFor({ timeout: 240_000 });
  })();
  return trained;
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  app = await openPage(`${inject('baseUrl')}/`);
  const { page } = app;
  await embeddedModelOn(page, 'wasm');
  const text = readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').slice(0, 24_000);
  await page.getByTestId('corpus-input').setInputFiles([
    { name: EVIL_FILE, mimeType: 'text/plain', buffer: Buffer.from(text) },
    { name: EMPTY_FILE, mimeType: 'text/plain', buffer: Buffer.alloc(0) },
  ]);
  await page.getByTestId('context-length').fill('64');
  await page.getByTestId('start-harvest').click();
  await page.locator('[data-testid="run-row"][data-status="done"]').waitFor({ timeout: 300_000 });
}, 420_000);

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('names from files are isolated and their control characters visible', () => {
  it('a corpus file and an SAE named with an RTL override and a zero-width space', async () => {
    const { page } = app;
    const saeId = await addFilesSae(EVIL_SAE, 3);
    await page.evaluate(() => (window.location.hash = '#/'));
    await rowOf(page, EVIL_SAE).waitFor({ timeout: 30_000 });
    // The run (named after its files), the skipped file, the SAE: each in a <bdi>, its controls as \uXXXX.
    expect(await page.getByTestId('run-name').first().evaluate((e) => [e.tagName, e.textContent])).toEqual(['BDI', `${shown(EVIL_FILE)}, ${shown(EMPTY_FILE)}`]);
    expect(await page.getByTestId('rejection-file').evaluate((e) => [e.tagName, e.textContent])).toEqual(['BDI', shown(EMPTY_FILE)]);
    expect(await page.getByTestId('rejection').textContent()).toBe(`${shown(EMPTY_FILE)} — empty file`);
    expect(await rowOf(page, EVIL_SAE).getByTestId('sae-name').evaluate((e) => [e.tagName, e.textContent])).toEqual(['BDI', shown(EVIL_SAE)]);
    expect(await page.getByTestId('last-run').locator('bdi').first().textContent()).toBe(`${shown(EVIL_FILE)}, ${shown(EMPTY_FILE)}`);
    // The isolation is in force: a <bdi> is laid out with unicode-bidi: isolate.
    expect(await page.getByTestId('sae-name').first().evaluate((e) => getComputedStyle(e).unicodeBidi)).toBe('isolate');
    await expectNothingLive(page);
    // The SAE's own pages (breadcrumbs, headings) and the workspace list it the same way.
    await page.evaluate((id) => (window.location.hash = `#/sae/${encodeURIComponent(id)}/steer`), saeId);
    await page.getByTestId('steer-page').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('breadcrumbs').locator('bdi[data-user-name]').allTextContents()).toContain(shown(EVIL_SAE));
    await expectNothingLive(page);
    await page.evaluate(() => (window.location.hash = '#/workspace'));
    await page.getByTestId('workspace').waitFor({ timeout: 30_000 });
    const names = await page.getByTestId('workspace').locator('bdi[data-user-name]').allTextContents();
    expect(names).toEqual(expect.arrayContaining([shown(EVIL_SAE), `${shown(EVIL_FILE)}, ${shown(EMPTY_FILE)}`]));
    await expectNothingLive(page);
  });
});

/** No bidi or invisible control character is live in the page's rendered text, its attributes or its option texts. */
async function expectNothingLive(page: Page): Promise<void> {
  const found = await page.evaluate((src) => {
    const live = new RegExp(src, 'u');
    const hits: string[] = [];
    if (live.test(document.body.innerText)) hits.push(`text: ${JSON.stringify(document.body.innerText.match(new RegExp(`.{0,20}${src}.{0,20}`, 'u'))?.[0])}`);
    for (const el of document.body.querySelectorAll('*')) {
      for (const a of el.attributes) if (live.test(a.value)) hits.push(`${el.tagName}[${a.name}]=${JSON.stringify(a.value)}`);
      if (el instanceof HTMLOptionElement && live.test(el.text)) hits.push(`option ${JSON.stringify(el.text)}`);
    }
    return hits;
  }, LIVE.source);
  expect(found).toEqual([]);
}

describe('a full quota at the statistics save and the SAE saves', () => {
  it('says the one quota message, loses nothing saved before, and the same action works once space is free', async () => {
    const { page } = app;
    const name = 'quota-files-sae';
    const saeId = await addFilesSae(name, 5);
    await page.evaluate(() => (window.location.hash = '#/'));
    const earlier = await statsPass(page, name, saeId); // the statistics a failed pass must not touch
    await trainSae();
    const training = (await callInPage<{ id: string; step: number; done: boolean }[]>(page, STORE, 'trainings')).find((t) => t.step === 30 && t.done)!;
    expect(training).toBeTruthy();
    const run = (await callInPage<{ id: string; committedRows: number }[]>(page, STORE, 'runs'))[0];
    const saesBefore = await storedSaes(page);
    const rowsBefore = await page.getByTestId('sae-row').count();
    const error = page.getByTestId('saes-error');

    // 150 kB left: the statistics of 2,048 features and SAEs of 2.1 and 4.2 MB of weights cannot fit.
    const lift = await armQuotaWhenInForce(page, 150_000);
    let lifted = false;
    try {
      // The statistics pass runs, its save is refused; the statistics of the earlier pass stay, shown and stored.
      const row = rowOf(page, name);
      const shownBefore = await row.getByTestId('sae-stats').textContent();
      await row.getByTestId('compute-stats').click();
      await expect.poll(() => error.textContent(), { timeout: 300_000 }).toMatch(
        new RegExp(
          `^StoreQuotaError: the statistics of ${HOOK.replace(/\./g, '\\.')} over run .+ did not fit: the browser refused to store more data \\(storage quota exceeded\\)\\. ` +
            'Statistics saved before are kept; this pass was not saved\\. Free space .+, then run the statistics pass again\\.$',
        ),
      );
      console.log(`[saves-and-names] ${await error.textContent()}`);
      expect(await digest(page, saeId)).toEqual(earlier);
      await expect.poll(() => row.getByTestId('stats-progress').count()).toBe(0);
      expect(await row.getByTestId('sae-stats').textContent()).toBe(shownBefore);

      // The trained SAE's save is refused: no SAE is added, the training and its checkpoint stay.
      await page.getByTestId('train-to-dashboards').click();
      await expect.poll(() => error.textContent(), { timeout: 60_000 }).toMatch(
        /^StoreQuotaError: SAE .+ \(2\.1 MB of weights\) did not fit: the browser refused to store more data \(storage quota exceeded\)\. Nothing of it was saved\. Free space .+, then add it again\.$/,
      );
      expect(await storedSaes(page)).toEqual(saesBefore);
      expect((await callInPage<{ id: string; step: number; done: boolean }[]>(page, STORE, 'trainings')).find((t) => t.id === training.id)).toEqual(training);

      // An SAE from files: refused the same way, under its own name.
      await pickSaeFiles(page, 'quota-second-sae', 6);
      await expect.poll(() => error.textContent(), { timeout: 60_000 }).toMatch(
        /^StoreQuotaError: SAE quota-second-sae \(4\.2 MB of weights\) did not fit: the browser refused to store more data \(storage quota exceeded\)\. Nothing of it was saved\. Free space .+, then add it again\.$/,
      );
      expect(await error.textContent()).not.toMatch(/QuotaExceededError/);
      expect(await storedSaes(page)).toEqual(saesBefore);
      expect(await page.getByTestId('sae-row').count()).toBe(rowsBefore);
      // The run is untouched.
      expect((await callInPage<{ id: string; committedRows: number }[]>(page, STORE, 'runs'))[0]).toEqual(run);

      await liftQuotaAndWait(page, lift);
      lifted = true;
    } finally {
      if (!lifted) await lift();
    }

    // Space is free: each action done again works, and the error goes.
    await page.getByTestId('train-to-dashboards').click();
    await expect.poll(async () => (await storedSaes(page)).length, { timeout: 60_000 }).toBe(saesBefore.length + 1);
    await pickSaeFiles(page, 'quota-second-sae', 6);
    await expect.poll(async () => (await storedSaes(page)).map((s) => s.name), { timeout: 60_000 }).toContain('quota-second-sae');
    await expect.poll(() => page.getByTestId('sae-row').count()).toBe(rowsBefore + 2);
    const again = await statsPass(page, name, saeId);
    expect(again.createdAt).toBeGreaterThan(earlier.createdAt);
    expect(again.digests).toEqual(earlier.digests); // the same SAE over the same run: the same statistics
    await expect.poll(() => error.count()).toBe(0);
  });
});

describe('a reload in the middle of a statistics pass', () => {
  it('says the pass was cut short and nothing saved; run again, it equals a pass never interrupted', async () => {
    const { page } = app;
    const name = 'reload-sae';
    const saeId = await addFilesSae(name, 9);
    await page.evaluate(() => (window.location.hash = '#/'));
    const row = rowOf(page, name);
    await row.getByTestId('stats-device').selectOption('cpu');
    await row.getByTestId('compute-stats').click();
    // Mid-pass: some rows of the first pass done.
    const progress = row.getByTestId('stats-progress');
    await expect.poll(async () => /pass 1 of 3: [1-9][\d,]* \//.test((await progress.textContent().catch(() => '')) ?? ''), { timeout: 120_000, interval: 20 }).toBe(true);
    await page.reload();
    await modelReady(page);
    const note = rowOf(page, name).getByTestId('stats-interrupted');
    await note.waitFor({ timeout: 60_000 });
    console.log(`[saves-and-names] after the reload: ${await note.textContent()}`);
    expect(await note.textContent()).toMatch(
      /^The statistics pass over run “.+” was interrupted in pass [123] of 3, after at least [\d,]+ of [\d,]+ tokens \(the page was reloaded or closed\): nothing of it was saved\. This SAE has no statistics yet\. Run the pass again$/,
    );
    // Nothing half-written is shown or stored as statistics.
    expect(await rowOf(page, name).getByTestId('sae-stats').count()).toBe(0);
    expect(await digest(page, saeId)).toBeNull();
    expect(await rowOf(page, name).getByTestId('browse-features').count()).toBe(0);

    // Run again from the note (same run, same device), then once more uninterrupted: the same numbers, bit for bit.
    const rerun = await statsPass(page, name, saeId, 'stats-rerun');
    expect(await rowOf(page, name).getByTestId('stats-interrupted').count()).toBe(0);
    const clean = await statsPass(page, name, saeId);
    expect(clean.createdAt).toBeGreaterThan(rerun.createdAt);
    expect(rerun.rows).toBe(clean.rows);
    expect(rerun.digests).toEqual(clean.digests);
    // Once a pass has ended, a reload says nothing of an interrupted one.
    await page.reload();
    await modelReady(page);
    await rowOf(page, name).getByTestId('sae-stats').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('stats-interrupted').count()).toBe(0);
  });
});

describe('the steering page follows its URL', () => {
  it('back and forward between two steering URLs of one SAE set every control', async () => {
    const { page } = app;
    const saeId = await addFilesSae(EVIL_SAE, 3);
    const href = (q: string) => `#/sae/${encodeURIComponent(saeId)}/steer?${q}`;
    const A = { prompt: 'Call me Ishmael.', tokens: '3', seed: '1', temperature: '0', features: 0 };
    const B = { prompt: 'The whale surfaced', tokens: '4', seed: '7', temperature: '0.5', features: 2 };
    await page.evaluate((h) => (window.location.hash = h), href(`p=${encodeURIComponent(A.prompt)}&n=3&t=0&k=1&tp=1&seed=1&f=`));
    await page.getByTestId('steer-page').waitFor({ timeout: 60_000 });
    const controls = async () => ({
      prompt: await page.getByTestId('steer-prompt').inputValue(),
      tokens: await page.getByTestId('steer-tokens').inputValue(),
      seed: await page.getByTestId('steer-seed').inputValue(),
      temperature: await page.getByTestId('steer-temperature').inputValue(),
      features: await page.getByTestId('steer-feature').count(),
    });
    await expect.poll(controls).toEqual(A);
    // Another setup of the same SAE by editing the hash: a new history entry, the same page.
    await page.evaluate((h) => (window.location.hash = h), href(`p=${encodeURIComponent(B.prompt)}&n=4&t=0.5&k=5&tp=0.9&seed=7&f=5:add:2,9:ablate:0&u=abs`));
    await expect.poll(controls).toEqual(B);
    expect(await page.getByTestId('steer-slider').first().inputValue()).toBe('2');
    expect(await page.getByTestId('steer-mode').nth(1).inputValue()).toBe('ablate');
    expect(await page.getByTestId('steer-units').isChecked()).toBe(true);
    // The clean continuation follows too: it starts with the prompt now shown.
    await expect.poll(() => page.getByTestId('clean-text').getAttribute('data-done'), { timeout: 120_000 }).toBe('true');
    expect(await page.getByTestId('clean-text').textContent()).toMatch(/^The whale surfaced/);
    await page.goBack();
    await expect.poll(controls).toEqual(A);
    await expect.poll(async () => (await page.getByTestId('clean-text').textContent())?.startsWith(A.prompt), { timeout: 120_000 }).toBe(true);
    expect(new URL(page.url()).hash).toContain('p=Call+me+Ishmael.');
    await page.goForward();
    await expect.poll(controls).toEqual(B);
    expect(await page.getByTestId('steer-units').isChecked()).toBe(true);
    // A control moved by hand still rewrites the URL in place (no new entry), and back still leaves for A.
    await page.getByTestId('steer-seed').fill('11');
    await expect.poll(() => new URL(page.url()).hash).toContain('seed=11');
    await page.goBack();
    await expect.poll(controls).toEqual(A);
  });
});
