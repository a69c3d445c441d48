// The ONNX GPT-2 on onnxruntime-web's WebGPU backend in Chromium (SwiftShader here), loaded through the
// real Hub loader from a local server in the Hub's layout, against the independent CPU reference.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hookNames } from '../../src/core/hooks';
import { NO_PROCESSING, SAELENS_DEFAULTS, TL_FROM_PRETRAINED, type TlSettings } from '../../src/core/tl-settings';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { gpt2SmallDir } from '../helpers/gpt2-small-dir';
import { tlForward, tlState } from '../reference/tl-reference';
import { TINY_DIR, gpt2SmallCheckpoint, pseudoIds, pseudoVector, readCheckpoint, reference } from '../helpers/checkpoints';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { assertClose } from '../reference/compare';
import { type OpenedPage, callInPage, closeChromium, openPage } from './chromium';
import type { RunRequest, RunResult } from './pages/model-check';

const REL = 1e-4;
/** The hooks the raw reference (gpt2-reference.ts) computes; the rest are checked against the TransformerLens reference below. */
const rawHooks = (nLayer: number) => hookNames(nLayer).filter((h) => !/\.(ln1|ln2|attn)\.|^ln_final\.hook_scale$/.test(h));
const SETTINGS: Record<string, TlSettings> = {
  'SAELens defaults': SAELENS_DEFAULTS,
  'all true': TL_FROM_PRETRAINED,
  'all false': NO_PROCESSING,
  'centring only': { fold_ln: false, center_writing_weights: true, center_unembed: true, fold_value_biases: false },
};

/** Every hook and the logits of one sequence on WebGPU against the TransformerLens reference; masked scores −∞ exactly. */
async function compareWithTl(repo: string, dir: string, ids: number[], tl: TlSettings, label: string): Promise<void> {
  const r = await run({ repo, ids: [ids], hooks: 'all', tl });
  const ckpt = readCheckpoint(dir);
  const ref = tlForward(tlState(ckpt.config, ckpt.weights, tl), ids);
  const out = r.outputs[0];
  assertClose(`${label} logits`, decode(out.logits), ref.logits, REL);
  for (const h of hookNames(ckpt.config.n_layer)) {
    const got = decode(out[h]);
    const want = ref.hooks[h].data;
    expect(out[h].shape.slice(1), h).toEqual(ref.hooks[h].shape);
    const keep = [...want.keys()].filter((i) => want[i] !== -Infinity);
    expect([...want.keys()].every((i) => (want[i] === -Infinity) === (got[i] === -Infinity)), `${h}: −∞ exactly where masked`).toBe(true);
    assertClose(`${label} ${h}`, keep.map((i) => got[i]), keep.map((i) => want[i]), REL);
  }
}
let hub: HubServer;
let page: OpenedPage;

function decode(o: { b64: string }): Float32Array {
  const bytes = Buffer.from(o.b64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

async function run(req: Omit<RunRequest, 'hubUrl' | 'backend'>): Promise<RunResult> {
  const r = await callInPage<RunResult>(page.page, '/tests/browser/pages/model-check.ts', 'runModel', { ...req, hubUrl: hub.url, backend: 'webgpu' });
  expect(r.fallbackReason).toBeNull();
  expect(r.backend).toBe('webgpu');
  return r;
}

beforeAll(async () => {
  hub = await startHubServer({ 'sse/tiny-gpt2': TINY_DIR, 'sse/gpt2-small-random': gpt2SmallCheckpoint(), 'sse/gpt2-small-gpt2tok': gpt2SmallDir() });
  page = await openPage(`${inject('baseUrl')}/tests/browser/pages/blank.html`);
});

afterAll(async () => {
  await page?.close();
  await closeChromium();
  await hub?.close();
});

describe('GPT-2 on WebGPU vs the CPU reference', () => {
  it('tiny-gpt2: logits and every hook, batch of two', async () => {
    const ids = [pseudoIds(16, 8192, 1), pseudoIds(16, 8192, 2)];
    const r = await run({ repo: 'sse/tiny-gpt2', ids, hooks: 'all' });
    console.log(`adapter ${r.adapter}; build ${r.buildMs.toFixed(0)} ms, session ${r.sessionMs.toFixed(0)} ms`);
    const out = r.outputs[0];
    const ckpt = readCheckpoint(TINY_DIR);
    ids.forEach((row, b) => {
      const ref = reference(ckpt, row);
      const slice = (name: string) => {
        const all = decode(out[name]);
        const per = all.length / 2;
        return all.subarray(b * per, (b + 1) * per);
      };
      assertClose(`row ${b} logits`, slice('logits'), ref.logits, REL);
      for (const h of rawHooks(4)) assertClose(`row ${b} ${h}`, slice(h), ref.hooks[h], REL);
    });
  });

  it('tiny-gpt2: steering at blocks.2.hook_resid_post adds exactly v and moves everything downstream', async () => {
    const ids = [pseudoIds(11, 8192, 4)];
    const hook = 'blocks.2.hook_resid_post';
    const v = pseudoVector(11 * 256, 9, 3);
    const r = await run({
      repo: 'sse/tiny-gpt2',
      ids,
      hooks: 'all',
      steerAt: hook,
      runs: [{}, { steer: { data: Array.from(v), shape: [1, 11, 256] } }],
    });
    const [clean, steered] = r.outputs;
    const delta = decode(steered[hook]).map((x, i) => x - decode(clean[hook])[i]);
    assertClose(`${hook} delta`, delta, v, 1e-5);
    const ref = reference(readCheckpoint(TINY_DIR), ids[0], { hook, vector: v });
    for (const h of rawHooks(4)) assertClose(`steered ${h}`, decode(steered[h]), ref.hooks[h], REL);
    assertClose('steered logits', decode(steered.logits), ref.logits, REL);
    // the unsteered run is the plain model
    const plain = reference(readCheckpoint(TINY_DIR), ids[0]);
    assertClose('clean logits', decode(clean.logits), plain.logits, REL);
  });

  it('keeps outputs in GPU buffers when asked (for later GPU stages)', async () => {
    const r = await callInPage<{ location: string; hasBuffer: boolean; maxDiff: number; length: number }>(
      page.page,
      '/tests/browser/pages/model-check.ts',
      'gpuOutputs',
      hub.url,
      'sse/tiny-gpt2',
      [pseudoIds(6, 8192, 3)],
    );
    expect(r).toMatchObject({ location: 'gpu-buffer', hasBuffer: true, maxDiff: 0, length: 6 * 256 });
  });

  it('GPT-2-small shape (12 layers, 768, vocab 50257, 1024 positions): logits and every hook', async () => {
    const dir = gpt2SmallCheckpoint();
    const ids = [pseudoIds(8, 50257, 5)];
    const r = await run({ repo: 'sse/gpt2-small-random', ids, hooks: 'all' });
    console.log(`gpt2-small shape: build ${r.buildMs.toFixed(0)} ms, session ${r.sessionMs.toFixed(0)} ms`);
    const ref = reference(readCheckpoint(dir), ids[0]);
    const out = r.outputs[0];
    assertClose('logits', decode(out.logits), ref.logits, REL);
    for (const h of rawHooks(12)) assertClose(h, decode(out[h]), ref.hooks[h], REL);
  });
});

describe("TransformerLens weight processing on WebGPU vs the TransformerLens reference", () => {
  for (const [name, tl] of Object.entries(SETTINGS)) {
    it(`tiny-gpt2 under ${name}: every hook and the logits`, () => compareWithTl('sse/tiny-gpt2', TINY_DIR, [8191, ...pseudoIds(12, 8192, 6)], tl, name));
  }
  for (const [name, tl] of Object.entries(SETTINGS)) {
    it(`GPT-2-small shape with GPT-2's tokenizer under ${name}: every hook and the logits`, async () => {
      const dir = gpt2SmallDir();
      const ids = [50256, ...loadGpt2FromDir(dir).tokenizer.encode(' The whale, said Ishmael.')];
      await compareWithTl('sse/gpt2-small-gpt2tok', dir, ids, tl, name);
    });
  }
});
