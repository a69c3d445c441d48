// Independent float64 reference for TransformerLens' HookedTransformer on GPT-2 (batch 1), used to
// check the lab's TransformerLens-compatible settings. Shares no code with src/ on purpose: it
// converts HF GPT-2 weights into TransformerLens' state-dict layout, processes them exactly as
// TransformerLens v2 does (HookedTransformer.fold_layer_norm, center_writing_weights,
// center_unembed, fold_value_biases, in load_and_process_state_dict's order), and runs TL's forward
// pass, emitting TL's hooks with TL's shapes minus the batch axis.
//
// Sources (TransformerLens v2.18.0): transformer_lens/HookedTransformer.py,
// pretrained/weight_conversions/gpt2.py, components/layer_norm.py, components/layer_norm_pre.py,
// components/abstract_attention.py, utilities/activation_functions.py (gelu_new).

import type { RefTensor } from './safetensors-ref';

export interface TlOptions {
  fold_ln: boolean;
  center_writing_weights: boolean;
  center_unembed: boolean;
  fold_value_biases: boolean;
}

export interface TlHook {
  shape: number[];
  data: Float64Array;
}

export interface TlResult {
  logits: Float64Array; // [T, vocab]
  hooks: Record<string, TlHook>;
}

export interface TlConfig {
  n_layer: number;
  n_embd: number;
  n_head: number;
  n_inner?: number | null;
  layer_norm_epsilon?: number;
}

/** One block of a TransformerLens state dict (float64, TL layout). */
export interface TlBlock {
  ln1_w: Float64Array | null; // [d]   (null once folded: LNPre)
  ln1_b: Float64Array | null; // [d]
  W_Q: Float64Array; // [nh, d, hd]
  W_K: Float64Array; // [nh, d, hd]
  W_V: Float64Array; // [nh, d, hd]
  b_Q: Float64Array; // [nh, hd]
  b_K: Float64Array; // [nh, hd]
  b_V: Float64Array; // [nh, hd]
  W_O: Float64Array; // [nh, hd, d]
  b_O: Float64Array; // [d]
  ln2_w: Float64Array | null; // [d]
  ln2_b: Float64Array | null; // [d]
  W_in: Float64Array; // [d, d_mlp]
  b_in: Float64Array; // [d_mlp]
  W_out: Float64Array; // [d_mlp, d]
  b_out: Float64Array; // [d]
}

/** A TransformerLens state dict for GPT-2 (float64), after optional processing. */
export interface TlState {
  nLayer: number;
  d: number;
  nHead: number;
  dHead: number;
  dMlp: number;
  vocab: number;
  nPos: number;
  eps: number;
  /** 'LN' (affine kept) or 'LNPre' (after fold_ln). */
  normalization: 'LN' | 'LNPre';
  W_E: Float64Array; // [vocab, d]
  W_pos: Float64Array; // [nPos, d]
  blocks: TlBlock[];
  ln_final_w: Float64Array | null; // [d]
  ln_final_b: Float64Array | null; // [d]
  W_U: Float64Array; // [d, vocab]
  b_U: Float64Array; // [vocab]
}

type Weights = Map<string, RefTensor>;

// ---------------------------------------------------------------- conversion (weight_conversions/gpt2.py)

function lookup(weights: Weights, name: string): RefTensor | undefined {
  return weights.get(name) ?? weights.get('transformer.' + name);
}

function tensor(weights: Weights, name: string, shape: number[]): RefTensor {
  const t = lookup(weights, name);
  if (!t) throw new Error(`tl-reference: missing weight ${name}`);
  if (t.shape.length !== shape.length || t.shape.some((s, i) => shape[i] >= 0 && s !== shape[i])) {
    throw new Error(`tl-reference: ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  return t;
}

function f64(weights: Weights, name: string, shape: number[]): Float64Array {
  return Float64Array.from(tensor(weights, name, shape).data);
}

/** HF GPT-2 weights -> TransformerLens state dict (convert_gpt2_weights + fill_missing_keys for b_U). */
export function convertGpt2Weights(cfg: TlConfig, weights: Weights): TlState {
  const { n_layer: nLayer, n_embd: d, n_head: nHead } = cfg;
  if (d % nHead !== 0) throw new Error(`tl-reference: n_embd ${d} not divisible by n_head ${nHead}`);
  const dHead = d / nHead;
  const eps = cfg.layer_norm_epsilon ?? 1e-5;

  const wte = tensor(weights, 'wte.weight', [-1, d]);
  const vocab = wte.shape[0];
  const wpe = tensor(weights, 'wpe.weight', [-1, d]);
  const nPos = wpe.shape[0];
  const fc = tensor(weights, 'h.0.mlp.c_fc.weight', [d, -1]);
  const dMlp = fc.shape[1];
  if (cfg.n_inner != null && cfg.n_inner !== dMlp) throw new Error(`tl-reference: n_inner ${cfg.n_inner} but c_fc is [${fc.shape}]`);

  const blocks: TlBlock[] = [];
  for (let l = 0; l < nLayer; l++) {
    const p = `h.${l}.`;
    // c_attn.weight [d, 3d]: tensor_split into three [d, d] along dim 1, each "m (i h) -> i m h".
    const cAttn = tensor(weights, p + 'attn.c_attn.weight', [d, 3 * d]).data;
    const W = [new Float64Array(d * d), new Float64Array(d * d), new Float64Array(d * d)];
    for (let m = 0; m < d; m++) {
      for (let which = 0; which < 3; which++) {
        const dst = W[which];
        for (let i = 0; i < nHead; i++) {
          for (let h = 0; h < dHead; h++) dst[(i * d + m) * dHead + h] = cAttn[m * 3 * d + which * d + i * dHead + h];
        }
      }
    }
    // c_attn.bias [3d]: "(qkv index head) -> qkv index head".
    const cAttnB = tensor(weights, p + 'attn.c_attn.bias', [3 * d]).data;
    const bq = Float64Array.from(cAttnB.subarray(0, d));
    const bk = Float64Array.from(cAttnB.subarray(d, 2 * d));
    const bv = Float64Array.from(cAttnB.subarray(2 * d, 3 * d));
    // c_proj.weight [d, d]: "(i h) m -> i h m" is the same row-major buffer, viewed [nh, hd, d].
    blocks.push({
      ln1_w: f64(weights, p + 'ln_1.weight', [d]),
      ln1_b: f64(weights, p + 'ln_1.bias', [d]),
      W_Q: W[0],
      W_K: W[1],
      W_V: W[2],
      b_Q: bq,
      b_K: bk,
      b_V: bv,
      W_O: f64(weights, p + 'attn.c_proj.weight', [d, d]),
      b_O: f64(weights, p + 'attn.c_proj.bias', [d]),
      ln2_w: f64(weights, p + 'ln_2.weight', [d]),
      ln2_b: f64(weights, p + 'ln_2.bias', [d]),
      W_in: f64(weights, p + 'mlp.c_fc.weight', [d, dMlp]),
      b_in: f64(weights, p + 'mlp.c_fc.bias', [dMlp]),
      W_out: f64(weights, p + 'mlp.c_proj.weight', [dMlp, d]),
      b_out: f64(weights, p + 'mlp.c_proj.bias', [d]),
    });
  }

  // unembed.W_U = lm_head.weight.T; HF GPT-2 ties lm_head to wte (often omitted from the file).
  const lmHead = weights.get('lm_head.weight') ?? wte;
  if (lmHead.shape[0] !== vocab || lmHead.shape[1] !== d) throw new Error(`tl-reference: lm_head.weight has shape [${lmHead.shape}]`);
  const W_U = transpose(lmHead.data, vocab, d); // [d, vocab], a separate copy

  return {
    nLayer,
    d,
    nHead,
    dHead,
    dMlp,
    vocab,
    nPos,
    eps,
    normalization: 'LN',
    W_E: Float64Array.from(wte.data),
    W_pos: Float64Array.from(wpe.data),
    blocks,
    ln_final_w: f64(weights, 'ln_f.weight', [d]),
    ln_final_b: f64(weights, 'ln_f.bias', [d]),
    W_U,
    b_U: new Float64Array(vocab), // not set by the converter: unembed.b_U's init, zeros
  };
}

/** [rows, cols] -> [cols, rows], in tiles so neither side is read with a huge stride for long. */
function transpose(src: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const TILE = 64;
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = src[r * cols + c];
    }
  }
  return out;
}

// ---------------------------------------------------------------- processing (HookedTransformer.py)

/**
 * For a matrix laid out [outer, n, inner] (row-major): b[o, k] += Σ_m W[o, m, k]·v[m] (the sum over
 * axis -2 of W * v[None, :, None]), with b [outer, inner].
 */
function foldBias(W: Float64Array, outer: number, n: number, inner: number, v: Float64Array, b: Float64Array) {
  for (let o = 0; o < outer; o++) {
    for (let m = 0; m < n; m++) {
      const vm = v[m];
      const row = (o * n + m) * inner;
      for (let k = 0; k < inner; k++) b[o * inner + k] += W[row + k] * vm;
    }
  }
}

/** W[o, m, k] *= v[m]. */
function scaleMiddle(W: Float64Array, outer: number, n: number, inner: number, v: Float64Array) {
  for (let o = 0; o < outer; o++) {
    for (let m = 0; m < n; m++) {
      const vm = v[m];
      const row = (o * n + m) * inner;
      for (let k = 0; k < inner; k++) W[row + k] *= vm;
    }
  }
}

/** W[o, :, k] -= mean over the middle axis (einops "o n k -> o 1 k" mean). */
function centreMiddle(W: Float64Array, outer: number, n: number, inner: number) {
  const mean = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    mean.fill(0);
    for (let m = 0; m < n; m++) {
      const row = (o * n + m) * inner;
      for (let k = 0; k < inner; k++) mean[k] += W[row + k];
    }
    for (let k = 0; k < inner; k++) mean[k] /= n;
    for (let m = 0; m < n; m++) {
      const row = (o * n + m) * inner;
      for (let k = 0; k < inner; k++) W[row + k] -= mean[k];
    }
  }
}

/** Each contiguous row of length `width` minus its own mean (x - x.mean(-1, keepdim=True)). */
function centreLastAxis(W: Float64Array, width: number) {
  for (let r = 0; r < W.length; r += width) {
    let mean = 0;
    for (let c = 0; c < width; c++) mean += W[r + c];
    mean /= width;
    for (let c = 0; c < width; c++) W[r + c] -= mean;
  }
}

/** HookedTransformer.fold_layer_norm(state_dict, fold_biases=True, center_weights=True); LN -> LNPre. */
function foldLayerNorm(s: TlState) {
  const { d, nHead: nh, dHead: hd, dMlp } = s;
  for (const b of s.blocks) {
    const w1 = b.ln1_w!, b1 = b.ln1_b!;
    // Biases first: they use the unscaled weights.
    foldBias(b.W_Q, nh, d, hd, b1, b.b_Q);
    foldBias(b.W_K, nh, d, hd, b1, b.b_K);
    foldBias(b.W_V, nh, d, hd, b1, b.b_V);
    for (const W of [b.W_Q, b.W_K, b.W_V]) scaleMiddle(W, nh, d, hd, w1);
    for (const W of [b.W_Q, b.W_K, b.W_V]) centreMiddle(W, nh, d, hd);
    b.ln1_w = b.ln1_b = null;

    foldBias(b.W_in, 1, d, dMlp, b.ln2_b!, b.b_in);
    scaleMiddle(b.W_in, 1, d, dMlp, b.ln2_w!);
    centreMiddle(b.W_in, 1, d, dMlp);
    b.ln2_w = b.ln2_b = null;
  }
  // ln_final -> unembed: b_U += ln_final.b @ W_U; W_U *= ln_final.w[:, None]; centre over d_model.
  foldBias(s.W_U, 1, d, s.vocab, s.ln_final_b!, s.b_U);
  scaleMiddle(s.W_U, 1, d, s.vocab, s.ln_final_w!);
  centreMiddle(s.W_U, 1, d, s.vocab);
  s.ln_final_w = s.ln_final_b = null;
  s.normalization = 'LNPre';
}

/** HookedTransformer.center_writing_weights: every weight writing to the residual gets zero mean over d_model. */
function centerWritingWeights(s: TlState) {
  const d = s.d;
  centreLastAxis(s.W_E, d);
  centreLastAxis(s.W_pos, d);
  for (const b of s.blocks) {
    centreLastAxis(b.W_O, d); // [nh, hd, d], mean over the last axis
    centreLastAxis(b.b_O, d);
    centreLastAxis(b.W_out, d); // [d_mlp, d]
    centreLastAxis(b.b_out, d);
  }
}

/** HookedTransformer.center_unembed: W_U minus its mean over d_vocab (per d_model row); b_U minus its mean. */
function centerUnembed(s: TlState) {
  centreLastAxis(s.W_U, s.vocab);
  centreLastAxis(s.b_U, s.vocab);
}

/** HookedTransformer.fold_value_biases: b_O += Σ_h b_V[h] @ W_O[h]; b_V = 0. */
function foldValueBiases(s: TlState) {
  const { d, nHead: nh, dHead: hd } = s;
  for (const b of s.blocks) {
    const folded = Float64Array.from(b.b_O);
    // (b_V[:, :, None] * W_O).sum([0, 1]): b_V flattened [nh*hd] times W_O viewed [nh*hd, d].
    foldBias(b.W_O, 1, nh * hd, d, b.b_V, folded);
    b.b_O = folded;
    b.b_V = new Float64Array(nh * hd);
  }
}

/** load_and_process_state_dict's order: fold_ln, center_writing_weights, center_unembed, fold_value_biases. */
export function processTlWeights(s: TlState, opts: TlOptions): TlState {
  if (opts.fold_ln) foldLayerNorm(s);
  if (opts.center_writing_weights) centerWritingWeights(s);
  if (opts.center_unembed) centerUnembed(s);
  if (opts.fold_value_biases) foldValueBiases(s);
  return s;
}

/** Converted and processed TL state dict (fresh arrays; the input map is not modified). */
export function tlState(cfg: TlConfig, weights: Map<string, RefTensor>, opts: TlOptions): TlState {
  return processTlWeights(convertGpt2Weights(cfg, weights), opts);
}

// ---------------------------------------------------------------- forward kernels

/**
 * out[i, outOff + j] += Σ_k x[i, k] · W[wOff + k*nOut + j], x [rows, nIn] with row stride xStride,
 * out row stride outStride. Blocked over j so the accumulator block stays in cache; i-k-j inside.
 */
function matmulAcc(
  x: Float64Array, xStride: number, rows: number, nIn: number,
  W: Float64Array, wOff: number, nOut: number,
  out: Float64Array, outOff: number, outStride: number,
) {
  const JB = 2048;
  for (let j0 = 0; j0 < nOut; j0 += JB) {
    const j1 = Math.min(nOut, j0 + JB);
    for (let k = 0; k < nIn; k++) {
      const wRow = wOff + k * nOut;
      for (let i = 0; i < rows; i++) {
        const xik = x[i * xStride + k];
        const oRow = outOff + i * outStride;
        for (let j = j0; j < j1; j++) out[oRow + j] += xik * W[wRow + j];
      }
    }
  }
}

/** y [rows, nOut] = x @ W + b, W [nIn, nOut]. */
function linear(x: Float64Array, rows: number, nIn: number, W: Float64Array, b: Float64Array, nOut: number): Float64Array {
  const y = new Float64Array(rows * nOut);
  for (let i = 0; i < rows; i++) y.set(b, i * nOut);
  matmulAcc(x, nIn, rows, nIn, W, 0, nOut, y, 0, nOut);
  return y;
}

/**
 * TL LayerNorm / LayerNormPre: x - mean; scale = sqrt(mean(x²) + eps); x / scale; then (LN only)
 * x * w + b. Returns the scale [T, 1] and the hook_normalized value [T, d].
 */
function layerNorm(x: Float64Array, T: number, d: number, eps: number, w: Float64Array | null, b: Float64Array | null) {
  const scale = new Float64Array(T);
  const out = new Float64Array(T * d);
  for (let t = 0; t < T; t++) {
    const off = t * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[off + j];
    mean /= d;
    let ms = 0;
    for (let j = 0; j < d; j++) {
      const c = x[off + j] - mean;
      out[off + j] = c;
      ms += c * c;
    }
    const s = Math.sqrt(ms / d + eps);
    scale[t] = s;
    for (let j = 0; j < d; j++) out[off + j] /= s;
    if (w && b) for (let j = 0; j < d; j++) out[off + j] = out[off + j] * w[j] + b[j];
  }
  return { scale, normalized: out };
}

/** utilities/activation_functions.py gelu_new. */
function geluNew(x: Float64Array): Float64Array {
  const c = Math.sqrt(2 / Math.PI);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3)));
  }
  return y;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
  return y;
}

// ---------------------------------------------------------------- forward (HookedTransformer.forward)

/** TL hook names for a GPT-2 of nLayer blocks, in the order the forward pass fires them. */
export function tlHookNames(nLayer: number): string[] {
  const names = ['hook_embed', 'hook_pos_embed'];
  for (let l = 0; l < nLayer; l++) {
    const b = `blocks.${l}.`;
    names.push(
      b + 'hook_resid_pre', b + 'ln1.hook_scale', b + 'ln1.hook_normalized',
      b + 'attn.hook_q', b + 'attn.hook_k', b + 'attn.hook_v',
      b + 'attn.hook_attn_scores', b + 'attn.hook_pattern', b + 'attn.hook_z',
      b + 'hook_attn_out', b + 'hook_resid_mid', b + 'ln2.hook_scale', b + 'ln2.hook_normalized',
      b + 'mlp.hook_pre', b + 'mlp.hook_post', b + 'hook_mlp_out', b + 'hook_resid_post',
    );
  }
  names.push('ln_final.hook_scale', 'ln_final.hook_normalized');
  return names;
}

/** Forward pass of one sequence on a (processed) TL state dict. */
export function tlForward(s: TlState, ids: number[], wantHooks?: string[]): TlResult {
  const { d, nHead: nh, dHead: hd, dMlp, vocab, eps } = s;
  const T = ids.length;
  if (T === 0) throw new Error('tl-reference: empty sequence');
  if (T > s.nPos) throw new Error(`tl-reference: ${T} tokens exceed n_ctx ${s.nPos}`);
  if (wantHooks) {
    const known = new Set(tlHookNames(s.nLayer));
    for (const h of wantHooks) if (!known.has(h)) throw new Error(`tl-reference: unknown hook ${h}`);
  }
  const want = wantHooks ? new Set(wantHooks) : null;
  const hooks: Record<string, TlHook> = {};
  const hook = (name: string, shape: number[], data: Float64Array) => {
    if (!want || want.has(name)) hooks[name] = { shape, data: Float64Array.from(data) };
  };

  const embed = new Float64Array(T * d);
  const posEmbed = new Float64Array(T * d);
  for (let t = 0; t < T; t++) {
    const id = ids[t];
    if (!(Number.isInteger(id) && id >= 0 && id < vocab)) throw new Error(`tl-reference: token id ${id} out of range`);
    embed.set(s.W_E.subarray(id * d, id * d + d), t * d);
    posEmbed.set(s.W_pos.subarray(t * d, t * d + d), t * d);
  }
  hook('hook_embed', [T, d], embed);
  hook('hook_pos_embed', [T, d], posEmbed);
  let resid = add(embed, posEmbed);

  const attnScale = Math.sqrt(hd); // use_attn_scale, attn_scale = sqrt(d_head); no inverse-layer-idx for GPT-2
  for (let l = 0; l < s.nLayer; l++) {
    const b = s.blocks[l];
    const p = `blocks.${l}.`;
    const residPre = resid;
    hook(p + 'hook_resid_pre', [T, d], residPre);

    const ln1 = layerNorm(residPre, T, d, eps, b.ln1_w, b.ln1_b);
    hook(p + 'ln1.hook_scale', [T, 1], ln1.scale);
    hook(p + 'ln1.hook_normalized', [T, d], ln1.normalized);

    // q/k/v [T, nh, hd] = x @ W[h] + b[h] per head.
    const proj = (W: Float64Array, bias: Float64Array) => {
      const y = new Float64Array(T * nh * hd);
      for (let t = 0; t < T; t++) y.set(bias, t * nh * hd);
      for (let h = 0; h < nh; h++) matmulAcc(ln1.normalized, d, T, d, W, h * d * hd, hd, y, h * hd, nh * hd);
      return y;
    };
    const q = proj(b.W_Q, b.b_Q);
    const k = proj(b.W_K, b.b_K);
    const v = proj(b.W_V, b.b_V);
    hook(p + 'attn.hook_q', [T, nh, hd], q);
    hook(p + 'attn.hook_k', [T, nh, hd], k);
    hook(p + 'attn.hook_v', [T, nh, hd], v);

    // scores [nh, T(q), T(k)] = q·k / attn_scale, -inf where key > query; pattern = softmax.
    const scores = new Float64Array(nh * T * T);
    const pattern = new Float64Array(nh * T * T);
    for (let h = 0; h < nh; h++) {
      for (let i = 0; i < T; i++) {
        const row = (h * T + i) * T;
        let max = -Infinity;
        for (let j = 0; j < T; j++) {
          if (j > i) {
            scores[row + j] = -Infinity;
            continue;
          }
          let dot = 0;
          for (let e = 0; e < hd; e++) dot += q[(i * nh + h) * hd + e] * k[(j * nh + h) * hd + e];
          const sc = dot / attnScale;
          scores[row + j] = sc;
          if (sc > max) max = sc;
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          const e = Math.exp(scores[row + j] - max);
          pattern[row + j] = e;
          sum += e;
        }
        for (let j = 0; j <= i; j++) pattern[row + j] /= sum;
      }
    }
    hook(p + 'attn.hook_attn_scores', [nh, T, T], scores);
    hook(p + 'attn.hook_pattern', [nh, T, T], pattern);

    // z [T, nh, hd] = pattern @ v per head.
    const z = new Float64Array(T * nh * hd);
    for (let h = 0; h < nh; h++) {
      for (let i = 0; i < T; i++) {
        const zOff = (i * nh + h) * hd;
        for (let j = 0; j <= i; j++) {
          const pij = pattern[(h * T + i) * T + j];
          const vOff = (j * nh + h) * hd;
          for (let e = 0; e < hd; e++) z[zOff + e] += pij * v[vOff + e];
        }
      }
    }
    hook(p + 'attn.hook_z', [T, nh, hd], z);

    // attn_out = z.reshape(T, nh*hd) @ W_O.reshape(nh*hd, d) + b_O.
    const attnOut = linear(z, T, nh * hd, b.W_O, b.b_O, d);
    hook(p + 'hook_attn_out', [T, d], attnOut);
    const residMid = add(residPre, attnOut);
    hook(p + 'hook_resid_mid', [T, d], residMid);

    const ln2 = layerNorm(residMid, T, d, eps, b.ln2_w, b.ln2_b);
    hook(p + 'ln2.hook_scale', [T, 1], ln2.scale);
    hook(p + 'ln2.hook_normalized', [T, d], ln2.normalized);
    const pre = linear(ln2.normalized, T, d, b.W_in, b.b_in, dMlp);
    hook(p + 'mlp.hook_pre', [T, dMlp], pre);
    const post = geluNew(pre);
    hook(p + 'mlp.hook_post', [T, dMlp], post);
    const mlpOut = linear(post, T, dMlp, b.W_out, b.b_out, d);
    hook(p + 'hook_mlp_out', [T, d], mlpOut);
    resid = add(residMid, mlpOut);
    hook(p + 'hook_resid_post', [T, d], resid);
  }

  const lnF = layerNorm(resid, T, d, eps, s.ln_final_w, s.ln_final_b);
  hook('ln_final.hook_scale', [T, 1], lnF.scale);
  hook('ln_final.hook_normalized', [T, d], lnF.normalized);
  const logits = linear(lnF.normalized, T, d, s.W_U, s.b_U, vocab); // b_U + x @ W_U
  return { logits, hooks };
}

/** Convert + process + forward. For several sequences, build `tlState` once and call `tlForward`. */
export function tlReference(
  cfg: TlConfig,
  weights: Map<string, RefTensor>,
  ids: number[],
  opts: TlOptions,
  wantHooks?: string[],
): TlResult {
  return tlForward(tlState(cfg, weights, opts), ids, wantHooks);
}
