// In-page, on the page's main thread and independent of the app's worker: the tiny model's attention patterns of a
// prompt (its own wasm session) and the library's per-head scores of them — what the attention page must show; and
// an SAE feature's head writes recomputed with a plain loop over z and W_O — what the feature page must show.
import { storedWeights } from './sae-weights';
import { headScores, repeatedInductionScores, repeatedRandomTokens } from '../../../src/analysis/attention';
import type { HeadScores } from '../../../src/analysis/attention';
import { tlSettingsFromKwargs } from '../../../src/core/tl-settings';
import { createGpt2Model } from '../../../src/model/gpt2';
import { DEFAULT_MODEL_PATH, type LoadedGpt2, loadGpt2FromUrl } from '../../../src/model/sources';
import { processWeights } from '../../../src/model/tl-weights';
import { type SaeConfig, type SaeWeights, encode } from '../../../src/sae/sae';
import { RunReader } from '../../../src/store/reader';
import { openStore } from '../../../src/store/schema';

let tiny: Promise<LoadedGpt2> | null = null;
const loadTiny = () => (tiny ??= loadGpt2FromUrl('tiny-gpt2', new URL(DEFAULT_MODEL_PATH, document.baseURI).href, { cache: false }));

/** BOS + the prompt's tokens (or BOS + r + r), its patterns on wasm, and the library's scores of them. */
export async function pageAttentionScores(prompt: string, repeated: { length: number; seed: number } | null): Promise<{ ids: number[]; scores: HeadScores[]; repeated: number[] | null }> {
  const m = await loadTiny();
  const { cfg } = m;
  const ids = repeated ? repeatedRandomTokens(repeated.length, cfg.vocabSize, cfg.bosTokenId, repeated.seed) : [cfg.bosTokenId, ...m.tokenizer.encode(prompt)];
  const hooks = Array.from({ length: cfg.nLayer }, (_, l) => `blocks.${l}.attn.hook_pattern`);
  const model = await createGpt2Model(m.weights, cfg, { backend: 'wasm', hooks, logits: 'none' });
  try {
    const out = await model.forward([ids]);
    const patterns = hooks.map((h) => out.hooks[h].data);
    return { ids, scores: headScores(patterns, cfg.nHead, ids.length, ids), repeated: repeated ? repeatedInductionScores(patterns, cfg.nHead, repeated.length) : null };
  } finally {
    await model.dispose();
  }
}

/** The only run and SAE in this browser's store, and a feature that fires on the run's first stored row. */
export async function liveFeature(): Promise<{ saeId: string; runId: string; feature: number }> {
  const db = await openStore();
  try {
    const [runs, saes] = [await db.getAllKeys('runs'), await db.getAll('saes')];
    if (runs.length !== 1 || saes.length !== 1) throw new Error(`expected one run and one SAE, found ${runs.length} and ${saes.length}`);
    const sae = saes[0];
    const cfg = sae.cfg as unknown as SaeConfig;
    const reader = await RunReader.open(db, runs[0]);
    const first = (await reader.batches(cfg.hook_name, 1).next()).value!;
    const acts = encode(await storedWeights(sae), cfg, first.rows, 1).acts;
    let best = 0;
    for (let f = 1; f < cfg.d_sae; f++) if (acts[f] > acts[best]) best = f;
    return { saeId: sae.id, runId: runs[0], feature: best };
  } finally {
    db.close();
  }
}

/**
 * Per (layer, head) for layers 0…last, the mean over `rows` of (z[pos, h] · W_O[h]) · W_enc[:, f], with each head's
 * d_model output formed in full (no shortcut through W_O · u), under the SAE's declared TransformerLens settings.
 */
export async function pageHeadWrites(saeId: string, runId: string, feature: number, rows: number[], last: number): Promise<number[]> {
  const m = await loadTiny();
  const { cfg } = m;
  const db = await openStore();
  try {
    const sae = (await db.get('saes', saeId))!;
    const scfg = sae.cfg as unknown as SaeConfig;
    const W_enc = (await storedWeights(sae)).W_enc;
    const tl = tlSettingsFromKwargs(scfg.model_from_pretrained_kwargs);
    const w = processWeights(m.weights, cfg, tl);
    const layers = Array.from({ length: last + 1 }, (_, l) => l);
    const model = await createGpt2Model(m.weights, cfg, { backend: 'wasm', hooks: layers.map((l) => `blocks.${l}.attn.hook_z`), logits: 'none', tl });
    const reader = await RunReader.open(db, runId);
    const d = cfg.nEmbd;
    const hd = d / cfg.nHead;
    const sum = new Float64Array(layers.length * cfg.nHead);
    try {
      for (const row of rows) {
        const c = await reader.context(row);
        const out = await model.forward([c.ids.slice(0, c.position + 1)]);
        for (const l of layers) {
          const z = out.hooks[`blocks.${l}.attn.hook_z`].data;
          const wO = w.blocks[l].attnProjW;
          for (let h = 0; h < cfg.nHead; h++) {
            let proj = 0;
            for (let o = 0; o < d; o++) {
              let y = 0;
              for (let j = 0; j < hd; j++) y += z[(c.position * cfg.nHead + h) * hd + j] * wO[(h * hd + j) * d + o];
              proj += y * W_enc[o * scfg.d_sae + feature];
            }
            sum[l * cfg.nHead + h] += proj;
          }
        }
      }
    } finally {
      await model.dispose();
    }
    return Array.from(sum, (s) => s / rows.length);
  } finally {
    db.close();
  }
}
