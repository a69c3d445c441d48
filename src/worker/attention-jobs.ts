// Attention in the engine: every layer × head pattern of a prompt with per-head scores (src/analysis/attention.ts),
// the repeated-random-tokens induction test, and which heads write an SAE feature (src/analysis/head-writes.ts).
// Both run one model exposing every layer's attn.hook_pattern and attn.hook_z (no logits), built on demand and
// kept while requests keep asking for the same model, backend and TransformerLens settings.
import { type HeadScores, attentionLimit, headScores, repeatedInductionScores, repeatedRandomTokens } from '../analysis/attention';
import { encoderDirection, encoderReadScale, headDirections, headWriteWeights, headWritesVia, writingLayers } from '../analysis/head-writes';
import { checkSaeFitsLive, openSae } from '../analysis/sae-registry';
import type { Gpt2Config } from '../core/config';
import { LabError } from '../core/errors';
import { type TlSettings, describeTlSettings, tlSettingsFromKwargs } from '../core/tl-settings';
import type { Gpt2Weights } from '../core/weights';
import { type Gpt2Model, createGpt2Model } from '../model/gpt2';
import type { Backend } from '../model/runtime';
import { processWeights } from '../model/tl-weights';
import type { Gpt2Tokenizer } from '../model/tokenizer';
import { tokenPieces } from '../model/token-text';
import { RunReader } from '../store/reader';
import type { StoreDb } from '../store/schema';
import type { AttentionRequest, AttentionView, HeadWritesRequest, HeadWritesView } from './protocol';

export interface AttentionModel {
  id: string;
  cfg: Gpt2Config;
  weights: Gpt2Weights | null;
  tokenizer: Gpt2Tokenizer;
  backend: Backend;
  /** The settings the loaded model was built under (its Gpt2Model.tl); the attention view uses them. */
  tl: TlSettings;
}

export { ATTENTION_MAX_TOKENS } from '../analysis/attention';
/** Head writes average over at most this many examples (one forward pass each). */
const MAX_EXAMPLES = 64;

export class AttentionJobs {
  private held: { key: string; model: Gpt2Model } | null = null;

  async attention(m: AttentionModel, req: AttentionRequest): Promise<AttentionView> {
    const limit = attentionLimit(m.cfg.nPositions);
    let all: number[];
    if (req.repeated) {
      const n = req.repeated.length;
      if (!(Number.isInteger(n) && n >= 2 && 2 * n + 1 <= limit)) throw new LabError(`the repeated sequence BOS + r + r needs 2 ≤ |r| ≤ ${Math.floor((limit - 1) / 2)} (the view's ${limit} positions), not ${n}`);
      all = repeatedRandomTokens(n, m.cfg.vocabSize, m.cfg.bosTokenId, req.repeated.seed);
    } else {
      all = m.tokenizer.encode(req.prompt);
      if (req.prependBos || all.length === 0) all.unshift(m.cfg.bosTokenId);
    }
    // The first `limit` tokens: position 0 (BOS) and every pattern row's keys stay as the model saw them.
    const ids = all.slice(0, limit);
    const T = ids.length;
    const out = await (await this.model(m, m.tl)).forward([ids]);
    const { nLayer, nHead } = m.cfg;
    const patterns = Array.from({ length: nLayer }, (_, l) => out.hooks[`blocks.${l}.attn.hook_pattern`].data); // [1, head, T, T] = [head, T, T]
    const scores: HeadScores[] = headScores(patterns, nHead, T, ids);
    return {
      prompt: req.repeated ? '' : req.prompt,
      ids,
      tokens: tokenPieces(ids, m.tokenizer).map((p) => p.text),
      nLayer,
      nHead,
      patterns,
      scores,
      repeated: req.repeated ? { ...req.repeated, scores: repeatedInductionScores(patterns, nHead, req.repeated.length) } : null,
      truncated: all.length > limit ? { tokens: all.length, kept: limit } : null,
    };
  }

  /**
   * Per (layer, head) the mean over the given rows (a feature's top examples) of the head's write at the row's
   * position along the feature's encoder column W_enc[:, f], for the layers whose heads feed the SAE's hook. The
   * model runs under the SAE's TransformerLens settings, with W_O processed the same way, so the writes decompose
   * what the SAE reads (up to b_O and the other components). A layer_norm SAE reads the centred column, each
   * example's writes scaled by 1 / (σ + ε) of its hook activation there (src/analysis/head-writes.ts).
   */
  async headWrites(db: StoreDb, m: AttentionModel, req: HeadWritesRequest): Promise<HeadWritesView> {
    await checkSaeFitsLive(db, req.saeId, m);
    const sae = await openSae(db, req.saeId);
    const hook = sae.cfg.hook_name;
    const range = writingLayers(hook);
    if (!range) throw new LabError(`this SAE reads ${hook}: head writes apply to SAEs on the residual stream (resid_pre of layer ≥ 1, resid_mid, resid_post) or on hook_attn_out`);
    if (!m.weights) throw new LabError('head writes need a model loaded from safetensors (they read W_O)');
    if (sae.cfg.d_in !== m.cfg.nEmbd) throw new LabError(`the SAE's d_in is ${sae.cfg.d_in}, the model's residual stream ${m.cfg.nEmbd}`);
    const f = req.feature;
    if (!(Number.isInteger(f) && f >= 0 && f < sae.cfg.d_sae)) throw new LabError(`feature ${f} is outside 0…${sae.cfg.d_sae - 1}`);
    const rows = req.rows.slice(0, MAX_EXAMPLES);
    if (!rows.length) throw new LabError('no examples: the feature has no top activations to read head writes at');

    const tl = tlSettingsFromKwargs(sae.cfg.model_from_pretrained_kwargs);
    const layers = Array.from({ length: range.to - range.from + 1 }, (_, i) => range.from + i);
    const u = encoderDirection(sae.cfg, sae.weights, f); // [d_in]
    const w = headWriteWeights(processWeights(m.weights, m.cfg, tl), m.cfg, layers);
    const dirs = headDirections(w, u);
    const ln = sae.cfg.normalize_activations === 'layer_norm';
    const model = await this.model(m, tl, ln ? hook : null);
    const reader = await RunReader.open(db, req.runId);
    const sum = new Float64Array(layers.length * m.cfg.nHead);
    for (const row of rows) {
      const c = await reader.context(row);
      // Causal: the prefix up to the example's position gives the same z there as the whole window.
      const out = await model.forward([c.ids.slice(0, c.position + 1)]);
      const z = layers.map((l) => out.hooks[`blocks.${l}.attn.hook_z`].data); // [1, T, head, d_head]
      const x = ln ? out.hooks[hook].data.subarray(c.position * sae.cfg.d_in, (c.position + 1) * sae.cfg.d_in) : null; // [d_in]
      const at = headWritesVia(z, dirs, w.nHead, w.dHead, [c.position], [x ? encoderReadScale(sae.cfg, x) : 1]);
      for (let i = 0; i < sum.length; i++) sum[i] += at[i];
    }
    return {
      saeId: req.saeId,
      feature: f,
      hook,
      layers,
      nHead: m.cfg.nHead,
      examples: rows.length,
      mean: Array.from(sum, (s) => s / rows.length),
      tl: describeTlSettings(tl),
    };
  }

  /** The pattern-and-z model of (model, backend, settings[, one more hook]), reused while they stay the same. */
  private async model(m: AttentionModel, tl: TlSettings, extraHook: string | null = null): Promise<Gpt2Model> {
    if (!m.weights) throw new LabError('the attention view needs a model loaded from safetensors (a pre-built .onnx has fixed outputs)');
    const key = `${m.id}|${m.backend}|${describeTlSettings(tl)}|${extraHook ?? ''}`;
    if (this.held?.key === key) return this.held.model;
    await this.dispose();
    const hooks = Array.from({ length: m.cfg.nLayer }, (_, l) => [`blocks.${l}.attn.hook_pattern`, `blocks.${l}.attn.hook_z`]).flat();
    if (extraHook && !hooks.includes(extraHook)) hooks.push(extraHook);
    const model = await createGpt2Model(m.weights, m.cfg, { backend: m.backend, hooks, logits: 'none', modelId: m.id, tl });
    this.held = { key, model };
    return model;
  }

  async dispose(): Promise<void> {
    await this.held?.model.dispose();
    this.held = null;
  }
}
