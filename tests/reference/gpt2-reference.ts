// Independent CPU reference for a GPT-2 forward pass (batch 1), used to check
// the ONNX implementation. Deliberately shares no code with src/: plain loops,
// float32 storage, float64 accumulation. Hook names follow TransformerLens.

import type { RefTensor } from './safetensors-ref';

export interface RefConfig {
  n_layer: number;
  n_embd: number;
  n_head: number;
  layer_norm_epsilon?: number;
}

export interface SteerSpec {
  /** TransformerLens hook name, e.g. 'blocks.3.hook_resid_mid'. */
  hook: string;
  /** Length dim (same vector at every position) or T*dim (per position). */
  vector: Float32Array;
}

export interface ReferenceOptions {
  steer?: SteerSpec;
}

export interface ReferenceResult {
  logits: Float32Array; // [T, vocab]
  hooks: Record<string, Float32Array>; // each [T, dim], row-major
}

type Weights = Map<string, RefTensor>;

// ---------------------------------------------------------------- weights

/** HF checkpoints may or may not carry the 'transformer.' prefix. */
function stripPrefix(weights: Weights): Weights {
  const out: Weights = new Map();
  for (const [name, t] of weights) out.set(name.startsWith('transformer.') ? name.slice(12) : name, t);
  return out;
}

function getWeight(weights: Weights, name: string, shape: number[]): Float32Array {
  const t = weights.get(name);
  if (!t) throw new Error(`reference: missing weight ${name}`);
  if (t.shape.length !== shape.length || t.shape.some((s, i) => shape[i] >= 0 && s !== shape[i])) {
    throw new Error(`reference: ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  return t.data;
}

// ---------------------------------------------------------------- kernels

/** y = x @ W + b for x [rows, nIn], W [nIn, nOut] (Conv1D layout), b [nOut]. */
function linear(x: Float32Array, rows: number, nIn: number, w: Float32Array, b: Float32Array, nOut: number): Float32Array {
  const acc = new Float64Array(rows * nOut); // [rows, nOut], float64 accumulation
  for (let i = 0; i < rows; i++) acc.set(b, i * nOut);
  let i = 0;
  for (; i + 4 <= rows; i += 4) accumulateRows4(x, i, nIn, w, nOut, acc);
  for (; i < rows; i++) accumulateRow(x, i, nIn, w, nOut, acc);
  return Float32Array.from(acc);
}

/**
 * acc[i0..i0+3] += x[i0..i0+3] @ W. i-k-j order with four rows at once: the
 * inner loop streams a contiguous row of W, and each loaded W element feeds
 * four rows, which roughly halves the time versus one row at a time.
 */
function accumulateRows4(x: Float32Array, i0: number, nIn: number, w: Float32Array, nOut: number, acc: Float64Array) {
  const a0 = i0 * nOut, a1 = a0 + nOut, a2 = a1 + nOut, a3 = a2 + nOut;
  const x0 = i0 * nIn, x1 = x0 + nIn, x2 = x1 + nIn, x3 = x2 + nIn;
  for (let k = 0; k < nIn; k++) {
    const c0 = x[x0 + k], c1 = x[x1 + k], c2 = x[x2 + k], c3 = x[x3 + k];
    const wRow = k * nOut;
    for (let j = 0; j < nOut; j++) {
      const wkj = w[wRow + j];
      acc[a0 + j] += c0 * wkj;
      acc[a1 + j] += c1 * wkj;
      acc[a2 + j] += c2 * wkj;
      acc[a3 + j] += c3 * wkj;
    }
  }
}

/** acc[i] += x[i] @ W for a single leftover row. */
function accumulateRow(x: Float32Array, i: number, nIn: number, w: Float32Array, nOut: number, acc: Float64Array) {
  const aRow = i * nOut;
  for (let k = 0; k < nIn; k++) {
    const xik = x[i * nIn + k];
    const wRow = k * nOut;
    for (let j = 0; j < nOut; j++) acc[aRow + j] += xik * w[wRow + j];
  }
}

/** Per-row (x - mean) / sqrt(var + eps), biased variance. [rows, d] */
function normalize(x: Float32Array, rows: number, d: number, eps: number): Float32Array {
  const y = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) {
    const off = i * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[off + j];
    mean /= d;
    let variance = 0;
    for (let j = 0; j < d; j++) variance += (x[off + j] - mean) ** 2;
    variance /= d;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let j = 0; j < d; j++) y[off + j] = (x[off + j] - mean) * inv;
  }
  return y;
}

/** Elementwise scale and shift of normalized rows. [rows, d] */
function affine(xHat: Float32Array, rows: number, d: number, gamma: Float32Array, beta: Float32Array): Float32Array {
  const y = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < d; j++) y[i * d + j] = xHat[i * d + j] * gamma[j] + beta[j];
  }
  return y;
}

function layerNorm(x: Float32Array, rows: number, d: number, gamma: Float32Array, beta: Float32Array, eps: number) {
  return affine(normalize(x, rows, d, eps), rows, d, gamma, beta);
}

/** GPT-2's tanh approximation of GELU ("gelu_new"). */
function geluNew(x: Float32Array): Float32Array {
  const c = Math.sqrt(2 / Math.PI);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v)));
  }
  return y;
}

function add(a: Float32Array, b: Float32Array): Float32Array {
  const y = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
  return y;
}

/**
 * Causal multi-head attention core: softmax(q k^T / sqrt(hd)) v per head.
 * qkv [T, 3d] laid out [q | k | v], heads contiguous inside each. Returns
 * z [T, d] with heads concatenated (head h at columns h*hd .. h*hd+hd-1).
 */
function causalAttention(qkv: Float32Array, T: number, d: number, nHead: number): Float32Array {
  const hd = d / nHead;
  const scale = 1 / Math.sqrt(hd);
  const row = 3 * d;
  const z = new Float32Array(T * d);
  const scores = new Float64Array(T);
  for (let h = 0; h < nHead; h++) {
    const qOff = h * hd;
    const kOff = d + h * hd;
    const vOff = 2 * d + h * hd;
    for (let i = 0; i < T; i++) {
      // Only keys j <= i are visible (causal mask).
      let max = -Infinity;
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let e = 0; e < hd; e++) s += qkv[i * row + qOff + e] * qkv[j * row + kOff + e];
        scores[j] = s * scale;
        if (scores[j] > max) max = scores[j];
      }
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        scores[j] = Math.exp(scores[j] - max); // max-shift for stability
        sum += scores[j];
      }
      for (let e = 0; e < hd; e++) {
        let acc = 0;
        for (let j = 0; j <= i; j++) acc += scores[j] * qkv[j * row + vOff + e];
        z[i * d + h * hd + e] = acc / sum;
      }
    }
  }
  return z;
}

/** logits[t, v] = x[t] · wte[v] (lm_head tied to the token embedding). */
function unembed(x: Float32Array, T: number, d: number, wte: Float32Array, vocab: number): Float32Array {
  const logits = new Float32Array(T * vocab);
  // Vocab-major: each wte row is read once while the T rows of x stay in
  // cache; four positions per pass so each loaded wte element is used 4x.
  for (let v = 0; v < vocab; v++) {
    const wOff = v * d;
    let t = 0;
    for (; t + 4 <= T; t += 4) {
      const x0 = t * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < d; j++) {
        const wj = wte[wOff + j];
        s0 += x[x0 + j] * wj;
        s1 += x[x1 + j] * wj;
        s2 += x[x2 + j] * wj;
        s3 += x[x3 + j] * wj;
      }
      logits[t * vocab + v] = s0;
      logits[(t + 1) * vocab + v] = s1;
      logits[(t + 2) * vocab + v] = s2;
      logits[(t + 3) * vocab + v] = s3;
    }
    for (; t < T; t++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[t * d + j] * wte[wOff + j];
      logits[t * vocab + v] = s;
    }
  }
  return logits;
}

// ---------------------------------------------------------------- forward

/**
 * Records hook values and applies the (single) optional steering vector at
 * the named hook. Steering returns a new array, so a tensor that is also
 * stored under another hook name is never modified behind its back.
 */
class HookRecorder {
  readonly hooks: Record<string, Float32Array> = {};
  private steered = false;

  constructor(private readonly T: number, private readonly steer?: SteerSpec) {}

  hook(name: string, x: Float32Array, dim: number): Float32Array {
    let value = x;
    if (this.steer && this.steer.hook === name) {
      value = this.applySteer(x, dim, this.steer.vector);
      this.steered = true;
    }
    this.hooks[name] = value;
    return value;
  }

  private applySteer(x: Float32Array, dim: number, vec: Float32Array): Float32Array {
    const T = this.T;
    const perPosition = vec.length === T * dim;
    if (!perPosition && vec.length !== dim) {
      throw new Error(`reference: steering vector has length ${vec.length}, expected ${dim} or ${T * dim}`);
    }
    const y = new Float32Array(x.length);
    for (let t = 0; t < T; t++) {
      const vOff = perPosition ? t * dim : 0;
      for (let j = 0; j < dim; j++) y[t * dim + j] = x[t * dim + j] + vec[vOff + j];
    }
    return y;
  }

  /** A misspelt hook name would silently do nothing; fail loudly instead. */
  assertSteerApplied(): void {
    if (this.steer && !this.steered) throw new Error(`reference: unknown steering hook ${this.steer.hook}`);
  }
}

export function referenceForward(
  rawWeights: Map<string, RefTensor>,
  config: RefConfig,
  ids: number[],
  opts: ReferenceOptions = {},
): ReferenceResult {
  const weights = stripPrefix(rawWeights);
  const { n_layer: L, n_embd: d, n_head: nHead } = config;
  const eps = config.layer_norm_epsilon ?? 1e-5;
  const T = ids.length;
  if (T === 0) throw new Error('reference: empty sequence');
  if (d % nHead !== 0) throw new Error(`reference: n_embd ${d} not divisible by n_head ${nHead}`);

  const wte = weights.get('wte.weight');
  if (!wte) throw new Error('reference: missing weight wte.weight');
  const vocab = wte.shape[0];
  const wteData = getWeight(weights, 'wte.weight', [vocab, d]);
  const wpe = weights.get('wpe.weight');
  const nPos = wpe ? wpe.shape[0] : 0;
  const wpeData = getWeight(weights, 'wpe.weight', [nPos, d]);
  if (T > nPos) throw new Error(`reference: ${T} tokens exceed n_positions ${nPos}`);

  const rec = new HookRecorder(T, opts.steer);

  // Embeddings. [T, d]
  const embed = new Float32Array(T * d);
  const posEmbed = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    const id = ids[t];
    if (!(id >= 0 && id < vocab)) throw new Error(`reference: token id ${id} out of range`);
    embed.set(wteData.subarray(id * d, id * d + d), t * d);
    posEmbed.set(wpeData.subarray(t * d, t * d + d), t * d);
  }
  let resid = add(rec.hook('hook_embed', embed, d), rec.hook('hook_pos_embed', posEmbed, d)); // [T, d]

  for (let l = 0; l < L; l++) {
    const p = `h.${l}.`;
    const w = (name: string, shape: number[]) => getWeight(weights, p + name, shape);
    const b = `blocks.${l}.`;

    // In TransformerLens resid_pre(l) is resid_post(l-1); hook() copies on
    // steer, so steering here leaves the stored resid_post(l-1) untouched.
    const residPre = rec.hook(b + 'hook_resid_pre', resid, d); // [T, d]

    const ln1 = layerNorm(residPre, T, d, w('ln_1.weight', [d]), w('ln_1.bias', [d]), eps); // [T, d]
    const qkv = linear(ln1, T, d, w('attn.c_attn.weight', [d, 3 * d]), w('attn.c_attn.bias', [3 * d]), 3 * d); // [T, 3d]
    const z = causalAttention(qkv, T, d, nHead); // [T, d]
    const attnOut = rec.hook(
      b + 'hook_attn_out',
      linear(z, T, d, w('attn.c_proj.weight', [d, d]), w('attn.c_proj.bias', [d]), d),
      d,
    ); // [T, d]
    const residMid = rec.hook(b + 'hook_resid_mid', add(residPre, attnOut), d); // [T, d]

    const ln2 = layerNorm(residMid, T, d, w('ln_2.weight', [d]), w('ln_2.bias', [d]), eps); // [T, d]
    const dff = 4 * d;
    const pre = rec.hook(
      b + 'mlp.hook_pre',
      linear(ln2, T, d, w('mlp.c_fc.weight', [d, dff]), w('mlp.c_fc.bias', [dff]), dff),
      dff,
    ); // [T, 4d]
    const post = rec.hook(b + 'mlp.hook_post', geluNew(pre), dff); // [T, 4d]
    const mlpOut = rec.hook(
      b + 'hook_mlp_out',
      linear(post, T, dff, w('mlp.c_proj.weight', [dff, d]), w('mlp.c_proj.bias', [d]), d),
      d,
    ); // [T, d]
    resid = rec.hook(b + 'hook_resid_post', add(residMid, mlpOut), d); // [T, d]
  }

  // TransformerLens' ln_final.hook_normalized is before the affine part.
  const normalized = rec.hook('ln_final.hook_normalized', normalize(resid, T, d, eps), d); // [T, d]
  const lnF = affine(normalized, T, d, getWeight(weights, 'ln_f.weight', [d]), getWeight(weights, 'ln_f.bias', [d])); // [T, d]
  rec.assertSteerApplied();

  return { logits: unembed(lnF, T, d, wteData, vocab), hooks: rec.hooks };
}

/** Mean next-token cross-entropy (nats) over positions 0..T-2. logits [T, vocab]. */
export function crossEntropy(logits: Float32Array, ids: number[]): number {
  const T = ids.length;
  if (T < 2) throw new Error('crossEntropy: need at least 2 tokens');
  const vocab = logits.length / T;
  if (!Number.isInteger(vocab)) throw new Error(`crossEntropy: ${logits.length} logits for ${T} tokens`);
  let total = 0;
  for (let t = 0; t < T - 1; t++) {
    const off = t * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) if (logits[off + v] > max) max = logits[off + v];
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[off + v] - max);
    total += Math.log(sum) + max - logits[off + ids[t + 1]];
  }
  return total / (T - 1);
}
