// Mistakes get a clear answer (issue 15, items 1 and 2), driven through the real app in Chromium on the embedded
// 256-wide, 4-layer tiny model (wasm). SAEs that do not fit it — 768 wide for GPT-2 small, blocks.99, and 768 wide
// while claiming to be tiny's — are stored and marked on their rows, their links are disabled with the reason, their
// pages say why instead of failing, and the worker itself refuses their jobs with SaeMismatchError. A file whose
// cfg.json and weights disagree is refused at the door. Errors stay on the view that raised them. Every cap says
// what it keeps: a 10,000-character prompt (BOS + its last 255 tokens), steering with 0 or 1,000 new tokens or an
// over-long prompt, and steering an SAE that has no statistics.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type SaeConfig, initSae } from '../../src/sae/sae';
import { saveSaeLens } from '../../src/sae/saelens';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';
import { expectNoErrorsPerTest } from './page-errors';

const dir = join(tmpdir(), `sse-validation-${process.pid}`);
const LONG = 180_000;
const CHECK = '/tests/browser/pages/sae-fit-check.ts';
const TEXT = readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').slice(0, 10_000);
const base = { architecture: 'topk', d_sae: 64, k: 4, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', context_size: 64, prepend_bos: true } as const;
const SAES: Record<string, SaeConfig> = {
  'sae-good': { ...base, d_in: 256, hook_name: 'blocks.2.hook_resid_post', model_name: 'tiny-gpt2' },
  'sae-mlp-ok': { ...base, d_in: 1024, hook_name: 'blocks.1.mlp.hook_post', model_name: 'tiny-gpt2' },
  'sae-wide768': { ...base, d_in: 768, hook_name: 'blocks.2.hook_resid_post', model_name: 'gpt2-small' },
  'sae-deep99': { ...base, d_in: 256, hook_name: 'blocks.99.hook_resid_post', model_name: 'tiny-gpt2' },
  'sae-liar768': { ...base, d_in: 768, hook_name: 'blocks.2.hook_resid_post', model_name: 'tiny-gpt2' },
};
const INTERNAL = /token_ids must be|Session mismatch|holds \d+ values|SaeConfigError|RuntimeError|HookNameError:/;

let app: OpenedPage;
let ids: Record<string, string>;

/** SAELens files named after the SAE (the panel names an SAE after its .safetensors file). */
function write(name: string, cfg: SaeConfig, weightsOf: SaeConfig = cfg): string[] {
  const files = saveSaeLens(weightsOf, initSae(weightsOf, 5));
  const cfgJson = weightsOf === cfg ? files['cfg.json'] : saveSaeLens(cfg, initSae(cfg, 5))['cfg.json'];
  const paths = [join(dir, `${name}-cfg.json`), join(dir, `${name}.safetensors`)];
  writeFileSync(paths[0], cfgJson);
  writeFileSync(paths[1], files['sae_weights.safetensors']);
  return paths;
}

const row = (page: Page, name: string) => page.getByTestId('sae-row').filter({ hasText: name });
const pageText = (page: Page) => page.locator('main:not([hidden])').innerText();

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  app = await openPage(`${inject('baseUrl')}/`);
  const { page } = app;
  await embeddedModelOn(page, 'wasm');
  for (const [name, cfg] of Object.entries(SAES)) {
    await page.getByTestId('sae-files').setInputFiles(write(name, cfg));
    await row(page, name).waitFor({ timeout: 60_000 });
  }
  ids = await callInPage(page, CHECK, 'saeIds');
}, 300_000);

afterAll(async () => {
  await app?.close();
  await closeChromium();
  rmSync(dir, { recursive: true, force: true });
});

expectNoErrorsPerTest(() => app);

const go = async (page: Page, hash: string) => {
  await page.evaluate((h) => (window.location.hash = h), hash);
};

describe('SAEs checked against the loaded model', () => {
  it('stores mismatched SAEs and marks each row with the reason; their links are disabled with it', async () => {
    const { page } = app;
    await go(page, '#/saes');
    const problems: Record<string, RegExp> = {
      'sae-wide768': /^reads 768-wide blocks\.2\.hook_resid_post; tiny-gpt2's is 256 wide: load GPT-2 small \(the SAE's model_name, gpt2-small\) to use it$/,
      'sae-deep99': /^reads blocks\.99\.hook_resid_post, which tiny-gpt2 does not have \(.*layers 0…3\), although the SAE names tiny-gpt2 as its model: .*fix model_name or hook_name/,
      'sae-liar768': /^reads 768-wide blocks\.2\.hook_resid_post; tiny-gpt2's is 256 wide, although the SAE names tiny-gpt2 as its model/,
    };
    for (const [name, want] of Object.entries(problems)) {
      const r = row(page, name);
      const problem = (await r.getByTestId('sae-problem').textContent())!;
      console.log(`[validation] ${name}: ${problem}`);
      expect(problem).toMatch(want);
      for (const link of ['attribute-link', 'sae-steer-link']) {
        const a = r.getByTestId(link);
        expect(await a.getAttribute('aria-disabled')).toBe('true');
        expect(await a.getAttribute('href')).toBeNull();
        expect(await a.getAttribute('title')).toBe(`SAE ${name} ${problem}`);
      }
      expect(await r.getByTestId('evaluate-sae').isDisabled()).toBe(true);
    }
    // The run select names the width when a run stores the hook at another one (none here: the plain text).
    for (const name of ['sae-good', 'sae-mlp-ok']) {
      const r = row(page, name);
      expect(await r.getByTestId('sae-problem').count()).toBe(0);
      expect(await r.getByTestId('attribute-link').getAttribute('href')).toContain(`/sae/${encodeURIComponent(ids[name])}/attribute`);
    }
    // The chooser of a view disables them too.
    await go(page, '#/steer');
    const choice = page.getByTestId('sae-choice').filter({ hasText: 'sae-deep99' });
    expect(await choice.getAttribute('aria-disabled')).toBe('true');
    expect(await page.getByTestId('sae-choice').filter({ hasText: 'sae-mlp-ok' }).getAttribute('href')).toContain('/steer?');
  });

  it('refuses a file whose cfg.json and weights disagree, and adds nothing', async () => {
    const { page } = app;
    await go(page, '#/saes');
    const before = await page.getByTestId('sae-row').count();
    await page.getByTestId('sae-files').setInputFiles(write('sae-bad-shapes', SAES['sae-good'], { ...SAES['sae-good'], d_in: 128 }));
    await expect.poll(() => page.getByTestId('saes-error').textContent(), { timeout: 60_000 }).toMatch(/tensor "W_enc" has shape \[128,64\], expected \[d_in, d_sae\] = \[256,64\] from cfg\.json/);
    expect(await page.getByTestId('sae-row').count()).toBe(before);
  });

  it('a direct URL to a mismatched SAE’s steering or attribution page shows the reason, not an internal error', async () => {
    const { page } = app;
    for (const [name, view] of [
      ['sae-deep99', 'steer?p=Call%20me&n=8'],
      ['sae-deep99', 'attribute?prompt=Call%20me'],
      ['sae-liar768', 'attribute?prompt=Call%20me'],
      ['sae-liar768', 'steer?p=Call%20me&f=1:add:2'],
      ['sae-liar768', 'inspect'],
    ]) {
      await go(page, `#/sae/${encodeURIComponent(ids[name])}/${view}`);
      const shown = page.getByTestId('sae-page-problem');
      await shown.waitFor({ timeout: 30_000 });
      const text = await shown.innerText();
      expect(text).toContain(`SAE ${name} reads`);
      expect(text).not.toMatch(INTERNAL);
      expect(await page.getByTestId('steer-page').count()).toBe(0);
      expect(await page.getByTestId('attribution-page').count()).toBe(0);
    }
    // An SAE for GPT-2 small: its pages load that model first, and say so when this browser never loaded it.
    await go(page, `#/sae/${encodeURIComponent(ids['sae-wide768'])}/steer?p=Call%20me`);
    const gate = page.getByTestId('model-gate-error');
    await gate.waitFor({ timeout: 30_000 });
    expect(await gate.textContent()).toMatch(/needs the model gpt2-small, which this browser has not loaded before: load it in the model panel/);
    expect(await pageText(page)).not.toMatch(INTERNAL);
  });

  it('the worker refuses their jobs with SaeMismatchError and the row’s message', async () => {
    const { page } = app;
    await go(page, '#/saes');
    const bad = ['sae-wide768', 'sae-deep99', 'sae-liar768'];
    const answers = await callInPage<Record<string, Record<string, string>>>(page, CHECK, 'jobErrors', [...bad, 'sae-good'].map((n) => ids[n]));
    for (const name of bad) {
      const problem = (await row(page, name).getByTestId('sae-problem').textContent())!;
      for (const [job, answer] of Object.entries(answers[ids[name]])) {
        expect(answer, `${name} ${job}`).toBe(`SaeMismatchError: SAE ${name} ${problem}`);
      }
    }
    expect(Object.values(answers[ids['sae-good']])).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('overlapping jobs in one worker all answer: onnxruntime runs queue (no "Session mismatch")', async () => {
    const answers = await callInPage<string[]>(app.page, CHECK, 'overlapping', ids['sae-good']);
    expect(answers).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('an error on one SAE’s page does not appear on another’s, and leaves when the view changes', async () => {
    const { page } = app;
    await go(page, `#/sae/${encodeURIComponent(ids['sae-good'])}/attribute?prompt=Call%20me`);
    await page.getByTestId('attr-logit').waitFor({ timeout: LONG });
    await page.getByTestId('attr-target-text').fill(' whale whale');
    await page.getByTestId('attr-run-token').click();
    const alert = page.getByTestId('attribution-page').getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 60_000 }).toMatch(/the target “ whale whale” is \d+ tokens .*pick a single token/);
    await go(page, `#/sae/${encodeURIComponent(ids['sae-mlp-ok'])}/attribute?prompt=Call%20me`);
    await page.getByTestId('attr-logit').waitFor({ timeout: LONG });
    expect(await page.getByTestId('attribution-page').getByRole('alert').count()).toBe(0);
    await go(page, `#/sae/${encodeURIComponent(ids['sae-good'])}/attribute?prompt=Call%20me`);
    await page.getByTestId('attribution-page').waitFor();
    expect(await page.getByTestId('attribution-page').getByRole('alert').count()).toBe(0);
  });
});

describe('limits say what they keep', () => {
  it('a 10,000-character prompt: the model sees BOS + the last 255 tokens, and the panel says what was cut', async () => {
    const { page } = app;
    await go(page, '#/');
    expect(await page.getByTestId('prompt-limit').textContent()).toMatch(/at most 256 tokens .* keeps BOS and its last 255/);
    await page.getByTestId('prompt-input').fill(TEXT);
    await page.getByTestId('run-prompt').click();
    const cut = page.getByTestId('prompt-cut');
    await cut.waitFor({ timeout: LONG });
    const text = (await cut.textContent())!;
    console.log(`[validation] prompt: ${text}`);
    expect(text).toMatch(/^[\d,]+ tokens: the model sees BOS \+ the last 255 \(its context is 256 positions\); cut [\d,]+ from the start\.$/);
    const [total, dropped] = [...text.matchAll(/([\d,]+)/g)].map((m) => Number(m[1].replace(/,/g, ''))).filter((_, i) => i === 0 || i === 3);
    expect(total - dropped).toBe(255);
    expect(await page.getByTestId('token').count()).toBe(256);
    expect(await page.getByTestId('token').first().getAttribute('data-id')).toBe('8191'); // BOS kept
    await page.getByTestId('prompt-input').fill('Call me Ishmael.');
    await page.getByTestId('run-prompt').click();
    await expect.poll(() => page.getByTestId('prompt-cut').count(), { timeout: LONG }).toBe(0);
  });

  it('inspect and attribution of a 10,000-character text say what they kept', async () => {
    const { page } = app;
    await go(page, `#/sae/${encodeURIComponent(ids['sae-good'])}/inspect`);
    expect(await page.getByTestId('inspect-limit').textContent()).toMatch(/At most 256 tokens: BOS and the text's last 255/);
    await page.getByTestId('inspect-text').fill(TEXT);
    await page.getByTestId('inspect-run').click();
    await expect.poll(() => page.getByTestId('inspect-cut').textContent(), { timeout: LONG }).toMatch(/tokens: the model sees BOS \+ the last 255 .*cut [\d,]+ from the start/);
    expect(await page.getByTestId('inspect-token').count()).toBe(255);
    await go(page, `#/sae/${encodeURIComponent(ids['sae-good'])}/attribute?prompt=x`);
    await page.getByTestId('attr-logit').waitFor({ timeout: LONG });
    await page.getByTestId('attr-prompt').fill(TEXT);
    await page.getByTestId('attr-run').click();
    await expect.poll(() => page.getByTestId('attr-cut').textContent(), { timeout: LONG }).toMatch(/tokens: the model sees BOS \+ the last 255 .*cut [\d,]+ from the start/);
    expect(await pageText(page)).not.toMatch(INTERNAL);
  });

  it('steering: 0 and 1,000 new tokens are clamped with a note, an over-long prompt is cut with a note', async () => {
    const { page } = app;
    await go(page, '#/saes'); // a steering page keeps its own setup: open this preset on a fresh one
    await go(page, `#/sae/${encodeURIComponent(ids['sae-good'])}/steer?p=Call%20me&n=1000`);
    const tokens = page.getByTestId('steer-tokens');
    await tokens.waitFor({ timeout: LONG });
    expect(await page.getByTestId('steer-limit').textContent()).toMatch(/1…254 new tokens \(a context of 256: BOS \+ prompt \+ new\)/);
    // From the URL: 1,000 held to 254, said, and generated.
    expect(await tokens.inputValue()).toBe('254');
    expect(await page.getByTestId('steer-tokens-note').textContent()).toMatch(/^at most 254 new tokens: the context window is 256 positions, .*\(1,000 was asked for\)$/);
    await expect.poll(() => page.getByTestId('clean-text').getAttribute('data-done'), { timeout: LONG }).toBe('true');
    await tokens.fill('0');
    expect(await tokens.inputValue()).toBe('1');
    expect(await page.getByTestId('steer-tokens-note').textContent()).toMatch(/^at least 1 new token: 0 was asked for, generating 1$/);
    await tokens.fill('1000');
    expect(await tokens.inputValue()).toBe('254');
    await tokens.fill('12');
    expect(await page.getByTestId('steer-tokens-note').count()).toBe(0);
    await page.getByTestId('steer-prompt').fill(TEXT);
    const cut = page.getByTestId('steer-cut');
    await expect.poll(() => cut.textContent(), { timeout: LONG }).toMatch(/^Prompt of [\d,]+ tokens: the model sees BOS \+ the last 243 \(its context is 256 positions, 12 of them for the new tokens\); cut [\d,]+ from the start\.$/);
    await expect.poll(() => page.getByTestId('steered-text').getAttribute('data-done'), { timeout: LONG }).toBe('true');
    expect(await page.getByTestId('steer-error').count()).toBe(0);
    expect(await pageText(page)).not.toMatch(INTERNAL);
  });

  it('steering an SAE without statistics says it needs them, links to the pass, and steers in absolute units on request', async () => {
    const { page } = app;
    await go(page, '#/saes'); // a steering page keeps its own setup: open this preset on a fresh one
    await go(page, `#/sae/${encodeURIComponent(ids['sae-good'])}/steer?p=Call%20me&n=6&t=0&f=3:add:4`);
    const notice = page.getByTestId('steer-no-stats');
    await notice.waitFor({ timeout: LONG });
    expect(await notice.textContent()).toMatch(/multiples of each feature's max activation, which the statistics pass measures, and this SAE has no statistics yet: nothing is\s+steered/);
    expect(await notice.getByRole('link').getAttribute('href')).toBe('#/saes');
    await expect.poll(() => page.getByTestId('clean-text').getAttribute('data-done'), { timeout: LONG }).toBe('true');
    expect(await page.getByTestId('steered-text').getAttribute('data-done')).toBe('false');
    await page.getByTestId('steer-units').check();
    await expect.poll(() => page.getByTestId('steered-text').getAttribute('data-done'), { timeout: LONG }).toBe('true');
    expect(await notice.count()).toBe(0);
    expect(page.url()).toContain('u=abs');
    expect(await page.getByTestId('steer-error').count()).toBe(0);
  });
});
