// TransformerLens' weight processing: the lab's ONNX model (src/, onnxruntime wasm) against the independent
// TransformerLens reference (tests/reference/tl-reference.ts: weights converted to TL's layout, processed as
// TL does, run in float64). Every hook and the logits within 1e-4 relative, for four settings, on the tiny
// model and on the GPT-2-small-shaped checkpoint with GPT-2's tokenizer. Masked scores must be −∞ exactly.
import { describe, expect, it } from 'vitest';
import { hookNames } from '../../src/core/hooks';
import { NO_PROCESSING, SAELENS_DEFAULTS, TL_FROM_PRETRAINED, type TlSettings } from '../../src/core/tl-settings';
import { type Gpt2Model, createGpt2Model } from '../../src/model/gpt2';
import { loadGpt2FromDir } from '../../src/node/load-dir';
import { TINY_DIR, readCheckpoint } from '../helpers/checkpoints';
import { gpt2SmallDir } from '../helpers/gpt2-small-dir';
import { assertClose } from '../reference/compare';
import { tlForward, tlHookNames, tlState } from '../reference/tl-reference';

const REL = 1e-4;

const SETTINGS: Record<string, TlSettings> = {
  'SAELens defaults': SAELENS_DEFAULTS,
  'all true': TL_FROM_PRETRAINED,
  'all false': NO_PROCESSING,
  'centring only': { fold_ln: false, center_writing_weights: true, center_unembed: true, fold_value_biases: false },
};

/** −∞ where the reference has −∞ (the causal mask), within tolerance elsewhere. */
function assertCloseWithInf(name: string, got: Float32Array, ref: Float64Array): void {
  const masked = [...ref.keys()].filter((i) => ref[i] === -Infinity);
  expect(masked.every((i) => got[i] === -Infinity), `${name}: masked entries are −∞`).toBe(true);
  const keep = [...ref.keys()].filter((i) => ref[i] !== -Infinity);
  assertClose(name, keep.map((i) => got[i]), keep.map((i) => ref[i]), REL);
}

async function compareAll(dir: string, ids: number[], tl: TlSettings, label: string): Promise<void> {
  const loaded = loadGpt2FromDir(dir);
  const names = hookNames(loaded.cfg.nLayer);
  expect(names).toEqual(tlHookNames(loaded.cfg.nLayer)); // the lab's list is TransformerLens' order
  let model: Gpt2Model | null = null;
  try {
    model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks: names, tl });
    const out = await model.forward([ids]);
    const ckpt = readCheckpoint(dir);
    const ref = tlForward(tlState(ckpt.config, ckpt.weights, tl), ids);
    assertClose(`${label} logits`, out.logits!.data, ref.logits, REL);
    for (const h of names) {
      const got = out.hooks[h];
      expect(got.shape.slice(1), `${h} shape`).toEqual(ref.hooks[h].shape);
      if (h.endsWith('hook_attn_scores')) assertCloseWithInf(`${label} ${h}`, got.data, ref.hooks[h].data);
      else assertClose(`${label} ${h}`, got.data, ref.hooks[h].data, REL);
    }
  } finally {
    await model?.dispose();
  }
}

describe('TransformerLens weight processing on the tiny model (wasm)', () => {
  const tok = loadGpt2FromDir(TINY_DIR).tokenizer;
  const ids = [8191, ...tok.encode('Call me Ishmael. Some years ago—never mind how long precisely')].slice(0, 14);
  for (const [name, tl] of Object.entries(SETTINGS)) {
    it(`every hook and the logits equal TransformerLens' under ${name}`, () => compareAll(TINY_DIR, ids, tl, name));
  }
});

describe('TransformerLens weight processing at GPT-2 small shape, GPT-2 tokenizer (wasm)', () => {
  for (const [name, tl] of Object.entries(SETTINGS)) {
    it(`every hook and the logits equal TransformerLens' under ${name}`, async () => {
      const dir = gpt2SmallDir();
      const ids = [50256, ...loadGpt2FromDir(dir).tokenizer.encode(' The whale, said Ishmael, is a fish.')];
      expect(ids.slice(0, 3)).toEqual([50256, 383, 22206]); // GPT-2's own ids: " The", " whale"
      await compareAll(dir, ids, tl, name);
    }, 240_000);
  }
});
