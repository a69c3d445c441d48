// Neuron pages from the page: harvest a small corpus storing an MLP hook and a residual hook, register an SAE of
// the MLP hook from SAELens files, compute neuron statistics (from the runs panel and from the SAE's browser), and
// check a neuron page against independent recomputations: its top examples against every stored row of the hook
// ranked in the page, its logit table against a plain loop over the checkpoint's centred W_out row, γ and W_U, and the
// loadings both ways (neuron → features, feature → neurons) against the SAE's W_dec as written.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { type SaeConfig, initSae } from '../../src/sae/sae';
import { saveSaeLens } from '../../src/sae/saelens';
import { TINY_DIR } from '../helpers/checkpoints';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import { embeddedModelOn } from './lab';

const dir = join(tmpdir(), `sse-neurons-${process.pid}`);
const CHECK = '/tests/browser/pages/neurons-check.ts';
const MLP = 'blocks.1.mlp.hook_post';
const RESID = 'blocks.2.hook_resid_post'; // the harvest panel's default hook for the 4-layer model
const D_SAE = 96;

const tiny = loadGpt2FromDir(TINY_DIR);
const d = tiny.cfg.nEmbd;
const inner = tiny.cfg.nInner;
const saeCfg: SaeConfig = { architecture: 'topk', d_in: inner, d_sae: D_SAE, k: 8, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: MLP, model_name: 'tiny-gpt2', context_size: 64, prepend_bos: true };
const saeWeights = initSae(saeCfg, 7);

let app: OpenedPage;
let runId = '';
let saeId = '';

/** effect[t] = Σ_c (dir[c] − mean dir) γ_c W_U[c, t] by plain loops (ln_f centres); the k largest as {id, value}. */
function topLogits(dir: ArrayLike<number>, k: number): { id: number; value: number }[] {
  const { wte, lnFW } = tiny.weights;
  const mean = Array.from(dir).reduce((a, x) => a + x, 0) / d;
  const out: { id: number; value: number }[] = [];
  for (let t = 0; t < wte.length / d; t++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += (dir[c] - mean) * lnFW[c] * wte[t * d + c];
    out.push({ id: t, value: s });
  }
  return out.sort((a, b) => b.value - a.value || a.id - b.id).slice(0, k);
}

/** Loadings by brute force over W_dec [d_sae, d_in] as written to the SAELens file. */
function wdecLoadings(pick: 'features-on' | 'neurons-of', index: number, k: number) {
  const w = saeWeights.W_dec;
  const norm = (f: number) => w.subarray(f * inner, (f + 1) * inner).reduce((a, x) => a + x * x, 0);
  const entries =
    pick === 'features-on'
      ? Array.from({ length: D_SAE }, (_, f) => ({ index: f, value: w[f * inner + index], fraction: w[f * inner + index] ** 2 / norm(f) }))
      : Array.from({ length: inner }, (_, i) => ({ index: i, value: w[index * inner + i], fraction: w[index * inner + i] ** 2 / norm(index) }));
  return entries.sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.index - b.index).slice(0, k);
}

async function loadingsShown(testId: string) {
  return app.page.getByTestId(testId).getByTestId('loading').evaluateAll((els) =>
    els.map((e) => ({ index: Number(e.getAttribute('data-index')), value: Number(e.getAttribute('data-value')), fraction: Number(e.getAttribute('data-fraction')) })),
  );
}

async function logitsShown() {
  return app.page.getByTestId('logits-positive').locator('tr').evaluateAll((els) => els.map((e) => ({ id: Number(e.getAttribute('data-token-id')), value: Number(e.getAttribute('data-value')) })));
}

function expectLogits(shown: { id: number; value: number }[], want: { id: number; value: number }[]) {
  expect(shown.map((s) => s.id)).toEqual(want.map((w) => w.id));
  const scale = Math.abs(want[0].value);
  shown.forEach((s, i) => expect(Math.abs(s.value - want[i].value)).toBeLessThanOrEqual(1e-4 * scale));
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'moby.txt'), readFileSync(join(import.meta.dirname, '../../public/samples/moby-dick.txt'), 'utf8').slice(0, 6_000));
  const files = saveSaeLens(saeCfg, saeWeights);
  writeFileSync(join(dir, 'cfg.json'), files['cfg.json']);
  writeFileSync(join(dir, 'sae_weights.safetensors'), files['sae_weights.safetensors']);
  app = await openPage(`${inject('baseUrl')}/`);
  const { page } = app;
  await embeddedModelOn(page, 'wasm');
  await page.getByTestId('corpus-input').setInputFiles([join(dir, 'moby.txt')]);
  await page.getByTestId('context-length').fill('64');
  await page.getByTestId(`hook-${MLP}`).check();
  await page.getByTestId(`hook-${RESID}`).check(); // the default hook, kept: residual dimensions
  await page.getByTestId('start-harvest').click();
  await page.locator('[data-testid="run-row"][data-status="done"]').waitFor({ timeout: 180_000 });
  await page.getByTestId('sae-files').setInputFiles([join(dir, 'cfg.json'), join(dir, 'sae_weights.safetensors')]);
  await page.getByTestId('sae-row').waitFor({ timeout: 30_000 });
  ({ runId, saeId } = await callInPage<{ runId: string; saeId: string }>(page, CHECK, 'onlyIds'));
  // Feature pages (linked from the neuron page) need the SAE's own statistics pass.
  await page.getByTestId('stats-device').selectOption('cpu');
  await page.getByTestId('compute-stats').click();
  await page.getByTestId('sae-stats').waitFor({ timeout: 300_000 });
}, 600_000);

afterAll(async () => {
  await app?.close();
  await closeChromium();
});

describe('neuron pages', () => {
  it('lists a residual hook’s dimensions from the runs panel; a dimension’s logit table is e_i, centred, through γ and W_U', async () => {
    const { page } = app;
    await page.evaluate(() => (window.location.hash = '#/')); // the runs panel lives in the lab, whatever page another test left
    await page.locator(`[data-testid="run-hook-link"][data-hook="${RESID}"]`).click();
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/neurons/${runId}/${RESID}`);
    // Cancelled at its first progress report, a pass saves nothing; the button is still offered.
    const cancelled = await callInPage<{ error: string; saved: boolean; progress: number }>(page, CHECK, 'cancelledNeuronPass', runId, RESID);
    expect(cancelled).toMatchObject({ saved: false, progress: 1 });
    expect(cancelled.error).toMatch(/^StatsCancelledError: .*cancelled/);
    await page.getByTestId('compute-neuron-stats').click();
    await page.getByTestId('neuron-row').first().waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('neuron-summary').textContent()).toMatch(new RegExp(`^${d} units over [\\d,]+ tokens · \\d+ never positive`));
    const row = page.getByTestId('neuron-row').first();
    const n = Number(await row.getAttribute('data-neuron'));
    await row.click();
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/neurons/${runId}/${RESID}/neuron/${n}`);
    await page.getByTestId('top-example').first().waitFor({ timeout: 60_000 });
    expectLogits(await logitsShown(), topLogits(Array.from({ length: d }, (_, c) => (c === n ? 1 : 0)), 10));
    // No SAE reads this hook: the page says so instead of a loadings table.
    expect(await page.getByTestId('neuron-features-note').textContent()).toContain(`no registered SAE reads ${RESID}`);
  });

  it('lists the SAE hook’s neurons beside its features; a neuron page’s top examples, logits and loadings match recomputations', async () => {
    const { page } = app;
    await page.evaluate((id) => (window.location.hash = `#/sae/${id}`), saeId);
    await page.getByTestId('feature-row').first().waitFor({ timeout: 60_000 });
    await page.getByTestId('compute-neuron-stats').click();
    await page.getByTestId('neuron-row').first().waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('feature-row').count()).toBeGreaterThan(0); // both lists side by side
    expect(await page.getByTestId('neuron-summary').textContent()).toMatch(new RegExp(`^${inner.toLocaleString('en-US')} units over`));
    if (process.env.SSE_SCREENSHOTS) await page.screenshot({ path: join(process.env.SSE_SCREENSHOTS, 'neuron-browser.png') });
    const row = page.getByTestId('neuron-row').nth(1);
    const n = Number(await row.getAttribute('data-neuron'));
    await row.click();
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/neurons/${runId}/${MLP}/neuron/${n}?sae=${saeId}`);
    await page.getByTestId('top-example').first().waitFor({ timeout: 120_000 });

    const strips = await page.getByTestId('top-example').evaluateAll((els) => els.map((e) => ({ row: Number(e.getAttribute('data-row')), act: Number(e.getAttribute('data-act')) })));
    const truth = await callInPage<{ max: number; count: number; top: { row: number; act: number }[]; rows: number }>(page, CHECK, 'recomputeNeuron', runId, MLP, n, 24);
    expect(truth.count).toBeGreaterThan(0);
    expect(strips.length).toBe(Math.min(24, truth.count));
    expect(strips).toEqual(truth.top); // the stored values themselves: rows, order and values exact
    console.log(`neuron ${n} of ${MLP}: ${strips.length} top examples equal the ranking of ${truth.rows} stored rows (fires on ${truth.count}, max ${truth.max.toFixed(4)})`);
    expect(await page.getByTestId('neuron-summary').textContent()).toContain(`fires on ${truth.count.toLocaleString('en-US')} of ${truth.rows.toLocaleString('en-US')} tokens`);
    expect(Number(await page.getByTestId('neuron-max').textContent())).toBeCloseTo(truth.max, 3);
    const center = page.getByTestId('top-example').first().locator('.tok.center');
    expect(Number(await center.getAttribute('data-act'))).toBe(truth.top[0].act);

    const wOut = tiny.weights.blocks[1].mlpProjW; // [inner, d]
    expectLogits(await logitsShown(), topLogits(wOut.subarray(n * d, (n + 1) * d), 10));

    const onNeuron = await loadingsShown('neuron-features');
    const want = wdecLoadings('features-on', n, 12);
    expect(onNeuron.map((l) => l.index)).toEqual(want.map((w) => w.index));
    onNeuron.forEach((l, i) => {
      expect(l.value).toBeCloseTo(want[i].value, 6);
      expect(l.fraction).toBeCloseTo(want[i].fraction, 5);
    });
    if (process.env.SSE_SCREENSHOTS) await page.screenshot({ path: join(process.env.SSE_SCREENSHOTS, 'neuron-page.png'), fullPage: true });

    // The feature that loads most on the neuron: its page lists the neurons it is made of, each linking back.
    await page.getByTestId('neuron-features').getByTestId('loading').first().locator('a').click();
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/sae/${saeId}/feature/${want[0].index}`);
    await page.getByTestId('feature-neurons').getByTestId('loading').first().waitFor({ timeout: 120_000 });
    // An SAE at an MLP hook writes its decoder row through W_out: the feature's logit table is W_dec[f] · W_out.
    const decRow = saeWeights.W_dec.subarray(want[0].index * inner, (want[0].index + 1) * inner);
    expectLogits(await logitsShown(), topLogits(Array.from({ length: d }, (_, c) => decRow.reduce((a, x, i) => a + x * wOut[i * d + c], 0)), 10));
    const ofFeature = await loadingsShown('feature-neurons');
    const wantOf = wdecLoadings('neurons-of', want[0].index, 12);
    expect(ofFeature.map((l) => l.index)).toEqual(wantOf.map((w) => w.index));
    ofFeature.forEach((l, i) => expect(l.value).toBeCloseTo(wantOf[i].value, 6));
    await page.getByTestId('feature-neurons').getByTestId('loading').first().locator('a').click();
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/neurons/${runId}/${MLP}/neuron/${wantOf[0].index}?sae=${saeId}`);
    await page.getByTestId('neuron-summary').waitFor({ timeout: 60_000 });
    expect(app.errors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
  });
});
